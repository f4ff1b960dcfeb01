import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { sha256 } from '../../common/chunk-stream.js';
import type { UpdateHeader } from '../protocols/update-header.js';
import { createStrategy } from '../../strategies/index.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { TaskHub } from '../clinics/task-hub.js';
import { LedgerService, type RoundRefusal } from '../ledger/ledger.service.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { STUDY_LOCK, type StudyLock } from '../persistence/study-lock.js';
import type { ModelVersionContent, ProtocolRound, RoundOutcomes } from '../protocols/update-protocol.js';
import { RoundDeadlines } from '../rounds/round-deadlines.js';
import { enoughToOpen, type RoundDecision } from '../rounds/round-machine.js';
import { RoundMachines } from '../rounds/round-machines.js';
import { RoundStore } from '../rounds/round-store.js';
import { FederationEventBus } from './federation-events.js';
import { endedStatus, TaskBuilder } from './task-builder.js';
import { UpdateProtocols } from './update-protocols.js';
import { UploadValidator, type UpdateRejection } from './upload-validator.js';

/** Work started by an event rather than a caller: its failure is logged, never left unhandled. */
export function inBackground(logger: Logger, work: Promise<unknown>): void {
  work.catch((error: unknown) => logger.error(error instanceof Error ? error.message : String(error)));
}

/**
 * Runs a study's rounds: opens them (deadline, protocol session, TRAIN tasks), takes updates and
 * refusals, and closes or fails each as the round's machine decides (RoundMachine, rebuilt from the
 * database at each answer, so a restart loses nothing) or as its protocol reports (secure
 * aggregation). Each change is stored with its audit event (RoundStore) before tasks and events go
 * out. Callers hold the study's lock; the deadline timers and protocol reports take it themselves.
 */
@Injectable()
export class RoundRunner {
  private readonly logger = new Logger('Federation');
  private readonly deadlines = new RoundDeadlines((studyId, number) =>
    inBackground(
      this.logger,
      this.lock.run(studyId, () => this.onDeadline(studyId, number)),
    ),
  );

  constructor(
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    @Inject(STUDY_LOCK) private readonly lock: StudyLock,
    private readonly store: RoundStore,
    private readonly registry: ClinicRegistry,
    private readonly hub: TaskHub,
    private readonly ledger: LedgerService,
    private readonly protocols: UpdateProtocols,
    private readonly tasks: TaskBuilder,
    private readonly uploads: UploadValidator,
    private readonly bus: FederationEventBus,
    private readonly machines: RoundMachines,
  ) {}

  /**
   * An open round after a restart whose protocol kept nothing in memory: its deadline again (an
   * expired one fires at once), refusals a stop cut off before their audit event, and its close if
   * every clinic answered before the stop.
   */
  async resumeOpen(study: StudyEntity, round: RoundEntity): Promise<void> {
    this.deadlines.arm(round);
    await this.recordRefusals(study, round);
    await this.closeIfAnswered(study, round);
  }

  /** Stops every deadline timer (shutdown). */
  stop(): void {
    this.deadlines.clearAll();
  }

  /**
   * Connected clinics serving the study's dataset, in registration order, that its protocol may ask
   * (holding its key if it is encrypted, enrolled if it is securely aggregated).
   */
  async availableClinics(study: StudyEntity): Promise<string[]> {
    return this.protocols.for(study).eligible(await this.registry.connected(study.dataset));
  }

  /**
   * Round `number` of the study, asking the clinics the strategy picks among those available; null
   * while too few are connected: `minClinics` for round 1, the `quorum` after it (a round asking
   * fewer could never close with its quorum). The caller stores it in its own transaction.
   */
  newRound(study: StudyEntity, number: number, available: string[]): RoundEntity | null {
    if (!enoughToOpen(number, available.length, study)) return null;
    const { clinics } = createStrategy(study.strategy).configureFit({ round: number, available });
    const now = Date.now();
    return this.rounds.create({
      studyId: study.id,
      number,
      attempt: 0,
      status: 'open',
      participants: clinics,
      openedAt: now,
      deadlineAt: now + study.roundTimeoutMs,
      closedAt: null,
      evaluators: null,
      outcome: null,
    });
  }

  /** After a round's opening committed: its deadline, its secure-aggregation session, and its tasks. */
  async roundOpened(study: StudyEntity, round: RoundEntity): Promise<void> {
    const { number, participants: clinics } = round;
    this.logger.log(`study ${study.id} round ${number}/${study.rounds} opened for ${clinics.length} clinics: ${clinics.join(', ')}`);
    this.bus.emit({ type: 'round-opened', studyId: study.id, round: number, participants: clinics, deadlineAt: round.deadlineAt });
    this.deadlines.arm(round);
    const extras = await this.protocols.for(study).openRound(round, this.outcomes);
    if (!extras) return;
    for (const clinicId of clinics) this.hub.send(clinicId, this.tasks.train(study, round, clinicId, extras));
  }

  /** How a protocol that decides its rounds' ends (secure aggregation) reports them: in the study's queue, for a round still open in its attempt. */
  private readonly outcomes: RoundOutcomes = {
    run: (studyId, work) => this.lock.run(studyId, work),
    close: async (ref, outcome, build) => {
      const open = await this.stillOpen(ref);
      if (open) await this.closeRound(open.study, open.round, outcome, await build());
    },
    fail: async (ref, outcome) => {
      const open = await this.stillOpen(ref);
      if (open) await this.failRound(open.study, open.round, outcome);
    },
  };

  private async stillOpen(ref: ProtocolRound): Promise<{ study: StudyEntity; round: RoundEntity } | null> {
    const study = await this.studies.findOneByOrFail({ id: ref.studyId });
    const round = await this.rounds.findOneByOrFail({ studyId: ref.studyId, number: ref.number });
    return round.status === 'open' && round.attempt === ref.attempt ? { study, round } : null;
  }

  /**
   * After a restart, an open round whose protocol state died with the old process (secure
   * aggregation) runs again as a fresh attempt: its updates (masked inputs bound to keys that died;
   * they can never be unmasked) are deleted, its attempt goes up by one and it gets a fresh deadline,
   * with a `round-restarted` audit event, in one transaction. Then the protocol opens the new attempt,
   * and the round's participants (fixed when it opened) get the TRAIN task of the new attempt: those
   * connected now, the others when they reconnect (pendingTasks, while the attempt can take them).
   * Who shows up is the protocol's business, as in any attempt.
   */
  async restartRound(study: StudyEntity, round: RoundEntity, reason: string): Promise<void> {
    const attempt = (await this.machines.of(study, round)).restart();
    const discarded = await this.store.restartRound(round, attempt, Date.now() + study.roundTimeoutMs, reason);
    this.logger.warn(
      `resuming study ${study.id}: secure-aggregation round ${round.number} runs again as attempt ${round.attempt} (${reason}; ${discarded} masked inputs discarded)`,
    );
    this.bus.emit({ type: 'round-restarted', studyId: study.id, round: round.number, attempt: round.attempt, reason });
    this.deadlines.arm(round);
    const protocol = this.protocols.for(study);
    if (!(await protocol.openRound(round, this.outcomes))) return;
    // Refusals signed before the stop: the new attempt does not wait for those clinics.
    await this.recordRefusals(study, round);
    for (const clinicId of await this.ledger.refusedBy(study.id, round.number)) await protocol.refused(round, clinicId);
    const connected = new Set(this.hub.connectedClinics());
    for (const clinicId of round.participants) {
      const extras = connected.has(clinicId) ? await protocol.rejoin(round, clinicId) : null;
      if (extras) this.hub.send(clinicId, this.tasks.train(study, round, clinicId, extras));
    }
  }

  private async onDeadline(studyId: string, number: number): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open') return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if ((await this.protocols.for(study).deadlinePassed(round)) === 'protocol') return;
    await this.apply(study, round, (await this.machines.of(study, round)).deadline());
  }

  /**
   * Stores a complete update whose header passed UploadValidator.checkHeader; closes the round when its
   * last participant has reported. What may have changed since the header was checked (the round
   * closing, a twin upload landing) is checked again inside the study's queue.
   */
  async acceptUpdate(header: UpdateHeader, payload: Buffer): Promise<number> {
    return this.lock.run(header.studyId, async () => {
      const study = await this.studies.findOneByOrFail({ id: header.studyId });
      const protocol = this.protocols.for(study);
      protocol.checkPayload(header, payload);
      const round = await this.rounds.findOneByOrFail({ studyId: study.id, number: header.round });
      // Again in the queue: the round may have closed, or a twin of this upload been stored, since the header was checked.
      const digest = sha256(payload).toString('hex');
      const resent = await this.uploads.roundAccepts(study, round, header.clinicId, digest);
      if (resent !== null) return resent;
      await protocol.accept(header, payload, round);
      let received: number;
      try {
        const { studyId, clinicId, numSamples, trainLoss, codec } = header;
        received = await this.store.storeUpdate(
          { studyId, round: round.number, clinicId, numSamples, trainLoss, codec, payload, sha256: digest },
          round.participants.length,
          round.attempt,
        );
      } catch (error) {
        protocol.storeFailed(round);
        throw error;
      }
      this.logger.log(`study ${study.id} round ${round.number}: update from ${header.clinicId} (${received} of ${round.participants.length})`);
      this.bus.emit({
        type: 'update-received',
        studyId: study.id,
        round: round.number,
        clinicId: header.clinicId,
        numSamples: header.numSamples,
        received,
        expected: round.participants.length,
      });
      if ((await protocol.stored(round, header.clinicId, payload)) === 'answers') await this.closeIfAnswered(study, round);
      return received;
    });
  }

  /** A clinic declined a round in its signed ledger: the round stops waiting for it. */
  async onRefusal({ clinicId, studyId, round: number, reason }: RoundRefusal): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open' || !round.participants.includes(clinicId)) return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    await this.recordRefusal(round, clinicId, reason);
    if ((await this.protocols.for(study).refused(round, clinicId)) === 'answers') await this.closeIfAnswered(study, round);
  }

  /**
   * An asked clinic's update was refused for what it claimed (UploadValidator): recorded once with
   * its audit event, and the round stops waiting for it, closing if everyone else has answered.
   */
  async onRejection({ studyId, round: number, clinicId, reason }: UpdateRejection): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open' || !round.participants.includes(clinicId)) return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if (!(await this.store.recordRejection(round, clinicId, reason))) return;
    this.logger.warn(`study ${studyId} round ${number}: update from ${clinicId} rejected: ${reason}`);
    this.bus.emit({ type: 'update-rejected', studyId, round: number, clinicId, reason });
    if ((await this.protocols.for(study).refused(round, clinicId)) === 'answers') await this.closeIfAnswered(study, round);
  }

  /** The audit event of a refusal, once: the ledger entry itself committed first, in the ledger's transaction. */
  private async recordRefusal(round: RoundEntity, clinicId: string, reason: string): Promise<void> {
    const { studyId, number } = round;
    if (!(await this.store.recordRefusal(round, clinicId, reason))) return;
    this.logger.warn(`study ${studyId} round ${number}: ${clinicId} refused: ${reason}`);
    this.bus.emit({ type: 'round-refused', studyId, round: number, clinicId, reason });
  }

  /** Refusals of the round's participants that a stop may have cut off before their audit event (after a restart). */
  private async recordRefusals(study: StudyEntity, round: RoundEntity): Promise<void> {
    for (const refusal of await this.ledger.refusals(study.id, round.number)) {
      if (round.participants.includes(refusal.clinicId)) await this.recordRefusal(round, refusal.clinicId, refusal.reason);
    }
  }

  /** Closes a round once each asked clinic sent its update or refused; fails it if the updates are below the quorum (RoundMachine). */
  private async closeIfAnswered(study: StudyEntity, round: RoundEntity): Promise<void> {
    await this.apply(study, round, (await this.machines.of(study, round)).answered());
  }

  private async apply(study: StudyEntity, round: RoundEntity, decision: RoundDecision): Promise<void> {
    if (decision.kind === 'close') await this.closeRound(study, round, decision.outcome);
    else if (decision.kind === 'fail') await this.failRound(study, round, decision.outcome);
  }

  /**
   * Closes a round with its aggregate: `content` when the caller has it (a protocol deciding its
   * rounds), else built by the study's protocol from the stored updates. One transaction holds the model version, the round's end, and
   * either the study's end (last round) or the next round's opening, with their audit events; tasks
   * go out only after it commits. With fewer than the quorum of clinics connected the next round
   * waits for them (openNextRound, when one connects).
   */
  private async closeRound(study: StudyEntity, round: RoundEntity, outcome: string, content?: ModelVersionContent | null): Promise<void> {
    const protocol = this.protocols.for(study);
    const built = content !== undefined ? content : await protocol.buildVersion(round);
    if (!built) {
      await this.failRound(study, round, 'aggregation produced non-finite parameters (diverging training?)');
      return;
    }
    const version = this.store.modelVersion(study.id, round.number, built);
    const last = round.number === study.rounds;
    const updates = await this.updates.countBy({ studyId: study.id, round: round.number });
    // The clinics asked to evaluate the new version are recorded with it: only they may report on it.
    const everyone = await this.availableClinics(study);
    // A paused study's round runs to its close; the next one opens when it is resumed.
    const next = last || study.status === 'paused' ? null : this.newRound(study, round.number + 1, everyone);
    await this.store.closeRound(study, round, { outcome, version, updates, evaluators: everyone, next });
    protocol.discard(round);
    this.deadlines.clear(round);
    this.logger.log(`study ${study.id} round ${round.number} ${outcome}`);
    this.bus.emit({ type: 'round-closed', studyId: study.id, round: round.number, updates, outcome });

    const evaluate = await this.tasks.evaluate(study, round.number);
    for (const clinicId of everyone) this.hub.send(clinicId, evaluate);
    if (last) {
      this.finishStudy(study, everyone);
    } else if (next) {
      await this.roundOpened(study, next);
    } else if (study.status === 'paused') {
      this.logger.log(`study ${study.id} is paused: round ${round.number + 1} opens when it is resumed`);
    } else {
      this.logger.warn(`study ${study.id}: round ${round.number + 1} waits until ${study.quorum} clinics are connected (${everyone.length} now)`);
    }
  }

  private async failRound(study: StudyEntity, round: RoundEntity, outcome: string): Promise<void> {
    this.protocols.for(study).discard(round, `round ${round.number} of study ${study.id} failed: ${outcome}`);
    await this.store.failRound(study, round, outcome);
    this.deadlines.clear(round);
    this.logger.error(`study ${study.id} ${study.error}`);
    this.bus.emit({ type: 'round-failed', studyId: study.id, round: round.number, outcome });
    this.finishStudy(study, await this.availableClinics(study));
  }

  /**
   * Ends an open round of a study being cancelled (in the study's queue, before the cancel commits):
   * its deadline and whatever its protocol held. Updates still arriving for it are refused (not open).
   */
  discardOpenRound(study: StudyEntity, round: RoundEntity): void {
    this.protocols.for(study).discard(round, `round ${round.number} of study ${study.id} was cancelled by the operator`);
    this.deadlines.clear(round);
  }

  /** After a study's end committed (with its study-finished audit event): tell its clinics. */
  finishStudy(study: StudyEntity, clinics: string[]): void {
    const finished = this.tasks.finished(study);
    for (const clinicId of clinics) this.hub.send(clinicId, finished);
    this.bus.emit({ type: 'study-finished', studyId: study.id, status: endedStatus(study), error: study.error });
  }
}
