import { Injectable, Logger } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { refuse } from '../../common/errors.js';
import { permutation } from '../../common/random.js';
import {
  SecAggRoundError,
  SecAggServer,
  type KeyAdvert,
  type NeighbourView,
  type SealedShares,
  type SecAggResult,
  type SecAggRoundPlan,
  type SecAggStage,
  type SignedShare,
  type UnmaskRequest,
} from '../../crypto/index.js';
import type { SecAggTerms } from './task-extras.js';

/** How a round's session reports back to the study that owns it; every call runs in the study's queue. */
export interface SecAggRoundHandlers {
  /** Runs `work` in the study's queue (stage timers close stages there too). */
  run(work: () => Promise<void>): Promise<void>;
  /** The round unmasked: its sum and who is in it. */
  finished(result: SecAggResult): Promise<void>;
  /** The round cannot finish (fewer than the threshold survived, a stage timed out): why. */
  aborted(reason: string): Promise<void>;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Waiting stages: what a clinic gets when the stage it answered closes. */
interface StageAnswers {
  advertising: NeighbourView;
  sharing: SealedShares[];
  masking: UnmaskRequest;
}

type WaitingStage = keyof StageAnswers;

interface Session {
  server: SecAggServer;
  /** What the round's TRAIN tasks carry about it, to hand a clinic that (re)connects during the advert stage. */
  terms: SecAggTerms;
  handlers: SecAggRoundHandlers;
  stageTimeoutMs: number;
  /** Clinics that declined the round (a ledger refusal): the advert stage stops waiting for them. */
  excused: Set<string>;
  waiters: { [S in WaitingStage]: Map<string, Waiter<StageAnswers[S]>> };
  requests: Map<string, UnmaskRequest> | null;
  timer: NodeJS.Timeout | null;
  over: boolean;
}

/**
 * The secure-aggregation rounds in progress: one pure `SecAggServer` each, plus what the transport
 * needs around it. A clinic's stage call waits until the stage closes (everyone it waits for
 * answered, or the stage timeout passed) and gets what it needs for the next stage. Sessions live
 * in memory: the keys and shares of a round are worthless once the round is over.
 */
@Injectable()
export class SecAggRounds {
  private readonly logger = new Logger('SecAgg');
  private readonly sessions = new Map<string, Session>();

  /** Opens a round's session; the clinics are announced in a random order (their share points). */
  open(
    plan: Omit<SecAggRoundPlan, 'order'> & { clinics: readonly string[]; stageTimeoutMs: number; terms: SecAggTerms },
    handlers: SecAggRoundHandlers,
  ): SecAggRoundPlan {
    const order = shuffle(plan.clinics);
    const full = { round: plan.round, order, degree: plan.degree, threshold: plan.threshold, words: plan.words, signKeys: plan.signKeys };
    const session: Session = {
      server: new SecAggServer(full),
      terms: plan.terms,
      handlers,
      stageTimeoutMs: plan.stageTimeoutMs,
      excused: new Set(),
      waiters: { advertising: new Map(), sharing: new Map(), masking: new Map() },
      requests: null,
      timer: null,
      over: false,
    };
    this.sessions.set(plan.round, session);
    this.armStageTimer(plan.round, session);
    return full;
  }

  has(round: string): boolean {
    return this.sessions.has(round);
  }

  stage(round: string): SecAggStage | null {
    return this.sessions.get(round)?.server.stage ?? null;
  }

  /**
   * The round's terms if it still waits for this clinic's advert (the advert stage is open, the
   * clinic was selected, has not advertised and did not decline): a TRAIN task sent now can still
   * take part. Null otherwise: once its adverts are closed, a round cannot take a clinic in.
   */
  awaitsAdvert(round: string, clinicId: string): SecAggTerms | null {
    const session = this.sessions.get(round);
    if (!session || session.over || session.server.stage !== 'advertising' || session.excused.has(clinicId)) return null;
    return session.server.waitingFor().includes(clinicId) ? session.terms : null;
  }

  /** Stage 1: checks the advert, then waits for the stage to close. */
  advertise(round: string, advert: KeyAdvert): Promise<NeighbourView> {
    const session = this.session(round);
    guard(() => session.server.advertise(advert));
    return this.waitForClose(round, session, 'advertising', advert.clinicId);
  }

  /** Stage 2: checks the sealed shares, then waits for the stage to close. */
  shareKeys(round: string, from: string, boxes: readonly SealedShares[]): Promise<SealedShares[]> {
    const session = this.session(round);
    guard(() => session.server.shareKeys(from, boxes));
    return this.waitForClose(round, session, 'sharing', from);
  }

  /** Stage 3, before the payload is read or stored: would the round take this clinic's masked input? */
  checkMaskedInput(round: string, from: string, words: number): void {
    const session = this.session(round);
    guard(() => session.server.checkMaskedInput(from, words));
  }

  /** Stage 3: adds the masked input to the round's sum; the stage closes when the last one arrives. Call in the study's queue. */
  async maskedInput(round: string, from: string, words: Uint32Array): Promise<void> {
    const session = this.session(round);
    guard(() => session.server.maskedInput(from, words));
    await this.closeIfAnswered(round, session);
  }

  /** Stage 4: which shares this clinic is to reveal, once the masked-input stage has closed. */
  unmaskRequest(round: string, clinicId: string): Promise<UnmaskRequest> {
    const session = this.session(round);
    const ready = session.requests?.get(clinicId);
    if (ready) return Promise.resolve(ready);
    if (session.server.stage !== 'masking')
      throw refuse.precondition(`round ${round} has no unmask request for ${clinicId}: its masked input is not in the sum`);
    return this.waitForClose(round, session, 'masking', clinicId);
  }

  /** Stage 4: checks and keeps the revealed shares; the round unmasks when every survivor revealed (or at the stage timeout). */
  async reveal(round: string, from: string, shares: readonly SignedShare[]): Promise<number> {
    const session = this.session(round);
    guard(() => session.server.reveal(from, shares));
    const revealed = session.requests!.size - session.server.waitingFor().length;
    void session.handlers.run(() => this.closeIfAnswered(round, session));
    return revealed;
  }

  /** A clinic declined the round (signed ledger refusal): stop waiting for its advert. */
  async excuse(round: string, clinicId: string): Promise<void> {
    const session = this.sessions.get(round);
    if (!session) return;
    session.excused.add(clinicId);
    await this.closeIfAnswered(round, session);
  }

  /** The round's deadline: the masked-input stage closes with what arrived; any earlier stage has run out of time. */
  async deadline(round: string): Promise<void> {
    const session = this.sessions.get(round);
    if (!session || session.over) return;
    if (session.server.stage === 'masking') await this.closeStage(round, session);
    else if (session.server.stage !== 'unmasking') await this.abort(round, session, `the round's deadline passed at stage "${session.server.stage}"`);
  }

  /** Ends a session (the round closed or failed): waiting clinics are told, timers stopped. */
  discard(round: string, reason = `round ${round} is over`): void {
    const session = this.sessions.get(round);
    if (!session) return;
    this.sessions.delete(round);
    session.over = true;
    if (session.timer) clearTimeout(session.timer);
    const error = refuse.precondition(reason);
    for (const waiters of Object.values(session.waiters)) {
      waiters.forEach((w) => w.reject(error));
      waiters.clear();
    }
  }

  discardAll(): void {
    for (const round of [...this.sessions.keys()]) this.discard(round, 'the coordinator is shutting down');
  }

  // ---- stages ----------------------------------------------------------------------------------

  private session(round: string): Session {
    const session = this.sessions.get(round);
    if (!session) throw refuse.precondition(`round ${round} has no secure aggregation in progress (over, or not a secure-aggregation round)`);
    return session;
  }

  private waitForClose<S extends WaitingStage>(round: string, session: Session, stage: S, clinicId: string): Promise<StageAnswers[S]> {
    const answer = new Promise<StageAnswers[S]>((resolve, reject) => {
      (session.waiters[stage] as Map<string, Waiter<StageAnswers[S]>>).set(clinicId, { resolve, reject });
    });
    void session.handlers.run(() => this.closeIfAnswered(round, session));
    return answer;
  }

  private async closeIfAnswered(round: string, session: Session): Promise<void> {
    if (session.over) return;
    if (session.server.waitingFor().every((id) => session.excused.has(id))) await this.closeStage(round, session);
  }

  /** Closes the current stage with whoever answered, hands each waiting clinic its answer, and moves on. */
  private async closeStage(round: string, session: Session): Promise<void> {
    if (session.over) return;
    if (session.timer) clearTimeout(session.timer);
    session.timer = null;
    const { server } = session;
    try {
      switch (server.stage) {
        case 'advertising':
          this.answer(session, 'advertising', server.closeAdvertising(), 'fewer than the threshold of its neighbours advertised keys');
          break;
        case 'sharing':
          this.answer(session, 'sharing', server.closeSharing(), 'fewer than the threshold of its neighbours shared keys');
          break;
        case 'masking':
          session.requests = server.closeMasking();
          this.answer(session, 'masking', session.requests, 'its masked input did not arrive before the stage closed');
          break;
        case 'unmasking': {
          const result = server.unmask();
          this.sessions.delete(round);
          session.over = true;
          await session.handlers.finished(result);
          return;
        }
        case 'done':
          return;
      }
    } catch (error) {
      if (error instanceof SecAggRoundError) return this.abort(round, session, error.message);
      throw error;
    }
    this.logger.log(`round ${round}: stage "${server.stage}" open, waiting for ${server.waitingFor().length} clinics`);
    // The masked-input stage lasts until the round's deadline: clinics train in it.
    if (server.stage !== 'masking') this.armStageTimer(round, session);
  }

  private answer<S extends WaitingStage>(session: Session, stage: S, answers: Map<string, StageAnswers[S]>, whyNot: string): void {
    const waiters = session.waiters[stage] as Map<string, Waiter<StageAnswers[S]>>;
    waiters.forEach((waiter, clinicId) => {
      const answer = answers.get(clinicId);
      if (answer) waiter.resolve(answer);
      else waiter.reject(refuse.precondition(`clinic ${clinicId} dropped out of the round: ${whyNot}`));
    });
    waiters.clear();
  }

  private armStageTimer(round: string, session: Session): void {
    const stage = session.server.stage;
    session.timer = setTimeout(() => {
      session.timer = null;
      void session.handlers.run(async () => {
        if (session.server.stage === stage) await this.closeStage(round, session);
      });
    }, session.stageTimeoutMs);
  }

  private async abort(round: string, session: Session, reason: string): Promise<void> {
    this.logger.warn(`round ${round}: secure aggregation aborted: ${reason}`);
    this.discard(round, `secure aggregation of round ${round} aborted: ${reason}`);
    await session.handlers.aborted(reason);
  }
}

/** A pure-refusal from the protocol as the transport's status. */
function guard(work: () => void): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof SecAggRoundError)) throw error;
    switch (error.refusal) {
      case 'not-selected':
        throw refuse.denied(error.message);
      case 'duplicate':
        throw refuse.duplicate(error.message);
      case 'wrong-stage':
      case 'aborted':
        throw refuse.precondition(error.message);
      case 'invalid':
        throw refuse.invalid(error.message);
    }
  }
}

/** The clinics in a uniformly random order from the CSPRNG: the coordinator announces it, no clinic picks its place. */
function shuffle(ids: readonly string[]): string[] {
  return permutation(ids.length, { int: (n) => randomInt(n) }).map((i) => ids[i]!);
}
