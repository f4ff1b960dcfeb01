import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { map, merge, Subject, type Observable } from 'rxjs';
import { In, type DataSource, type Repository } from 'typeorm';
import { sha256 } from '../../common/chunk-stream.js';
import { refuse } from '../../common/errors.js';
import { initialParameters } from '../../common/model-spec.js';
import { plainFloat32Codec } from '../../crypto/index.js';
import type { Task } from '../../protos/generated/cohort/v1/Task.js';
import type { UpdateHeader__Output } from '../../protos/generated/cohort/v1/UpdateHeader.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { TaskHub } from '../clinics/task-hub.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { KeysService } from '../keys/keys.service.js';
import { LedgerService, type RoundRefusal } from '../ledger/ledger.service.js';
import { STUDY_LOCK, type StudyLock } from '../persistence/study-lock.js';
import { inTransaction } from '../persistence/transactions.js';
import { AuditEventEntity, auditEvent } from '../persistence/entities/audit-event.entity.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { plainContent, type ModelVersionContent, type ProtocolRound, type RoundOutcomes } from '../protocols/update-protocol.js';
import { createStrategy } from '../../strategies/index.js';
import type { StudyConfig } from '../config/study-config.js';
import type { FederationEvent } from './federation-events.js';
import { TaskBuilder } from './task-builder.js';
import { UpdateProtocols } from './update-protocols.js';
import { UploadValidator } from './upload-validator.js';

const PLAIN = plainFloat32Codec;

/**
 * Runs studies: registers clinics, opens rounds, accepts updates, closes each round when all its
 * clinics reported or at its deadline with at least the quorum, aggregates with the study's
 * strategy and hands out the next task. Every state change of a study runs in that study's queue,
 * one at a time, so a deadline and a last update cannot both close the same round.
 *
 * Everything that depends on the study's privacy mode (which clinics may train, what tasks carry,
 * how updates are checked and summed, who decides a round's end, how its version is built) the
 * study's protocol answers (coordinator/protocols). A clinic's signed refusal (its privacy ledger)
 * counts as its answer, so a round closes once every asked clinic sent an update or refused, if the
 * updates meet the quorum.
 */
@Injectable()
export class FederationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Federation');
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private readonly eventSubject = new Subject<FederationEvent>();
  readonly events$: Observable<FederationEvent>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    private readonly hub: TaskHub,
    private readonly keys: KeysService,
    private readonly ledger: LedgerService,
    private readonly protocols: UpdateProtocols,
    private readonly tasks: TaskBuilder,
    private readonly uploads: UploadValidator,
    @Inject(STUDY_LOCK) private readonly lock: StudyLock,
    private readonly registry: ClinicRegistry,
    private readonly evaluations: Evaluations,
  ) {
    const evaluated = this.evaluations.recorded$.pipe(
      map(({ studyId, modelVersion, clinicId, accuracy, numTest }): FederationEvent => ({ type: 'evaluation', studyId, modelVersion, clinicId, accuracy, numTest })),
    );
    this.events$ = merge(this.eventSubject, evaluated);
    this.hub.connected$.subscribe((clinicId) => this.background(this.onClinicConnected(clinicId)));
    this.ledger.refusals$.subscribe((refusal) => this.background(this.serial(refusal.studyId, () => this.onRefusal(refusal))));
    this.keys.keyReady$.subscribe((studyId) => this.background(this.serial(studyId, () => this.startIfReady(studyId))));
  }

  /**
   * Resume after a restart (or a kill): every running study carries on from what the database holds.
   * An open round gets its deadline re-armed (an expired one closes at once) and closes now if every
   * clinic it asked already answered before the stop; a running study without an open round opens
   * its next one as soon as enough clinics are connected. Reconnecting clinics get their pending
   * training task again (pendingTasks). An open secure-aggregation round runs again as a fresh
   * attempt (restartRound).
   */
  async onApplicationBootstrap(): Promise<void> {
    // gRPC already serves: a clinic's call may come first, which the study's queue and resume's fresh reads allow for.
    for (const study of await this.studies.findBy({ status: 'running' })) {
      await this.serial(study.id, () => this.resume(study.id));
    }
  }

  private async resume(studyId: string): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if (study.status !== 'running') return;
    const round = await this.rounds.findOneBy({ studyId, status: 'open' });
    if (!round) {
      this.logger.log(`resuming study ${studyId}: no round is open; the next opens when ${study.quorum} clinics are connected`);
      await this.openNextRound(studyId);
      return;
    }
    const lost = this.protocols.for(study).lostAtRestart;
    if (lost) {
      // What the protocol held of the round lived in the stopped process and cannot be rebuilt: the round runs again.
      await this.restartRound(study, round, lost);
      return;
    }
    this.logger.log(`resuming study ${studyId}: round ${round.number} is open`);
    this.armDeadline(round);
    // Refusals and a last update committed just before the stop: record what was not yet recorded, close if all answered.
    await this.recordRefusals(study, round);
    await this.closeIfAnswered(study, round);
  }

  /** Stops deadlines and task streams, then lets queued study work finish before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.deadlines.forEach((timer) => clearTimeout(timer));
    this.deadlines.clear();
    this.protocols.discardAll();
    this.hub.closeAll();
    await this.lock.drain();
  }

  // ---- clinics ---------------------------------------------------------------------------------

  /** The clinic's task stream: pending training tasks first, then whatever rounds bring. */
  watchTasks(clinic: ClinicEntity): Observable<Task> {
    return this.hub.watch(clinic.id, () => this.pendingTasks(clinic));
  }

  /**
   * What a (re)connecting clinic missed while it or the coordinator was away: the TRAIN task of each
   * open round it has not answered, then the evaluation it owes and the end it may not have heard.
   */
  private async pendingTasks(clinic: ClinicEntity): Promise<Task[]> {
    return [...(await this.pendingTraining(clinic)), ...(await this.missedEvaluations(clinic))];
  }

  /** The evaluation the clinic owes of each study, and for a study that has ended, its end. */
  private async missedEvaluations(clinic: ClinicEntity): Promise<Task[]> {
    const tasks: Task[] = [];
    for (const { study, version } of await this.evaluations.owedBy(clinic)) {
      tasks.push(await this.tasks.evaluate(study, version));
      if (study.status !== 'running') tasks.push(this.tasks.finished(study));
    }
    return tasks;
  }

  private async pendingTraining(clinic: ClinicEntity): Promise<Task[]> {
    const open = await this.rounds.findBy({ status: 'open' });
    const tasks: Task[] = [];
    for (const round of open) {
      if (!round.participants.includes(clinic.id)) continue;
      if (await this.updates.existsBy({ studyId: round.studyId, round: round.number, clinicId: clinic.id })) continue;
      if ((await this.ledger.refusedBy(round.studyId, round.number)).has(clinic.id)) continue;
      const study = await this.studies.findOneByOrFail({ id: round.studyId });
      const extras = await this.protocols.for(study).rejoin(round, clinic.id);
      if (extras) tasks.push(this.tasks.train(study, round, clinic.id, extras));
    }
    return tasks;
  }

  // ---- studies ---------------------------------------------------------------------------------

  async createStudy(config: StudyConfig): Promise<StudyEntity> {
    const study = this.studies.create({
      id: randomUUID(),
      name: config.name,
      dataset: config.dataset,
      model: config.model,
      strategy: config.strategy,
      training: config.training,
      privacy: config.privacy,
      encryption: config.encryption,
      dp: config.dp,
      secagg: config.secagg,
      rounds: config.rounds,
      quorum: config.quorum,
      minClinics: config.minClinics,
      roundTimeoutMs: Math.round(config.roundTimeoutS * 1000),
      seed: config.seed,
      status: 'waiting',
      error: null,
      createdAt: Date.now(),
      finishedAt: null,
    });
    await inTransaction(this.db, async (tx) => {
      await tx.save(study);
      await tx.save(this.modelVersion(study.id, 0, plainContent(PLAIN.name, initialParameters(study.model, study.seed), null)));
    });
    this.logger.log(`study ${study.id} created: ${study.name}, ${study.rounds} rounds, waiting for ${study.minClinics} clinics`);
    await this.serial(study.id, () => this.startIfReady(study.id));
    return study;
  }

  /** A clinic connected: waiting studies of its dataset may start, running ones without an open round may open their next. */
  private async onClinicConnected(clinicId: string): Promise<void> {
    const clinic = await this.registry.find(clinicId);
    if (!clinic) return;
    const studies = await this.studies.findBy({ status: In(['waiting', 'running']), dataset: clinic.dataset });
    await Promise.all(
      studies.map((study) => this.serial(study.id, () => (study.status === 'waiting' ? this.startIfReady(study.id) : this.openNextRound(study.id)))),
    );
  }

  /** Starts a waiting study once `minClinics` are available: the study's status and its round 1 in one transaction. */
  private async startIfReady(studyId: string): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if (study.status !== 'waiting') return;
    if (!(await this.protocols.for(study).readyToStart())) return;
    const available = await this.availableClinics(study);
    const round = this.newRound(study, 1, available);
    if (!round) return;
    study.status = 'running';
    await inTransaction(this.db, async (tx) => {
      await tx.update(StudyEntity, { id: studyId }, { status: 'running' });
      await tx.insert(RoundEntity, round);
      await tx.insert(AuditEventEntity, [auditEvent('study-started', { studyId }, { clinics: available }), this.roundOpenedAudit(round)]);
    });
    this.emit({ type: 'study-started', studyId, clinics: available.length });
    await this.roundOpened(study, round);
  }

  /**
   * A running study with no open round (its last close found too few clinics connected, or a
   * database from before rounds were opened in the close's transaction) opens its next round.
   */
  private async openNextRound(studyId: string): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if (study.status !== 'running' || (await this.rounds.existsBy({ studyId: study.id, status: 'open' }))) return;
    const last = await this.rounds.findOne({ where: { studyId: study.id }, order: { number: 'DESC' } });
    const number = (last?.number ?? 0) + 1;
    if (last?.status === 'failed' || number > study.rounds) {
      // Only a database written before the round's end and the study's were one transaction can get here.
      const error = last?.status === 'failed' ? `round ${last.number} failed: ${last.outcome}` : null;
      await this.settleStudy(study, error);
      return;
    }
    const round = this.newRound(study, number, await this.availableClinics(study));
    if (!round) return;
    await inTransaction(this.db, async (tx) => {
      await tx.insert(RoundEntity, round);
      await tx.insert(AuditEventEntity, this.roundOpenedAudit(round));
    });
    await this.roundOpened(study, round);
  }

  /** Ends a running study whose last round already ended (completed, or failed with `error`). */
  private async settleStudy(study: StudyEntity, error: string | null): Promise<void> {
    study.status = error ? 'failed' : 'completed';
    study.error = error;
    study.finishedAt = Date.now();
    await inTransaction(this.db, async (tx) => {
      await tx.update(StudyEntity, { id: study.id }, { status: study.status, error, finishedAt: study.finishedAt });
      await tx.insert(AuditEventEntity, auditEvent('study-finished', { studyId: study.id }, { status: study.status, error }));
    });
    this.finishStudy(study, await this.availableClinics(study));
  }

  /**
   * Connected clinics serving the study's dataset, in registration order, that its protocol may ask
   * (holding its key if it is encrypted, enrolled if it is securely aggregated).
   */
  private async availableClinics(study: StudyEntity): Promise<string[]> {
    return this.protocols.for(study).eligible(await this.registry.connected(study.dataset));
  }

  // ---- rounds ----------------------------------------------------------------------------------

  /**
   * Round `number` of the study, asking the clinics the strategy picks among those available; null
   * while too few are connected: `minClinics` for round 1, the `quorum` after it (a round asking
   * fewer could never close with its quorum). The caller stores it in its own transaction.
   */
  private newRound(study: StudyEntity, number: number, available: string[]): RoundEntity | null {
    if (available.length < Math.max(1, number === 1 ? study.minClinics : study.quorum)) return null;
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
      outcome: null,
    });
  }

  private roundOpenedAudit(round: RoundEntity) {
    return auditEvent('round-opened', { studyId: round.studyId, round: round.number }, { participants: round.participants, deadlineAt: round.deadlineAt });
  }

  /** After a round's opening committed: its deadline, its secure-aggregation session, and its tasks. */
  private async roundOpened(study: StudyEntity, round: RoundEntity): Promise<void> {
    const { number, participants: clinics } = round;
    this.logger.log(`study ${study.id} round ${number}/${study.rounds} opened for ${clinics.length} clinics: ${clinics.join(', ')}`);
    this.emit({ type: 'round-opened', studyId: study.id, round: number, participants: clinics, deadlineAt: round.deadlineAt });
    this.armDeadline(round);
    const extras = await this.protocols.for(study).openRound(round, this.outcomes);
    if (!extras) return;
    for (const clinicId of clinics) this.hub.send(clinicId, this.tasks.train(study, round, clinicId, extras));
  }

  /** How a protocol that decides its rounds' ends (secure aggregation) reports them: in the study's queue, for a round still open in its attempt. */
  private readonly outcomes: RoundOutcomes = {
    run: (studyId, work) => this.serial(studyId, work),
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
  private async restartRound(study: StudyEntity, round: RoundEntity, reason: string): Promise<void> {
    const previous = round.attempt;
    const discarded = await this.updates.countBy({ studyId: study.id, round: round.number });
    round.attempt = previous + 1;
    round.deadlineAt = Date.now() + study.roundTimeoutMs;
    await inTransaction(this.db, async (tx) => {
      await tx.delete(ReceivedUpdateEntity, { studyId: study.id, round: round.number });
      await tx.update(RoundEntity, { studyId: study.id, number: round.number }, { attempt: round.attempt, deadlineAt: round.deadlineAt });
      await tx.insert(
        AuditEventEntity,
        auditEvent(
          'round-restarted',
          { studyId: study.id, round: round.number, attempt: round.attempt },
          { reason, attempt: round.attempt, previousAttempt: previous, discardedMaskedInputs: discarded, participants: round.participants, deadlineAt: round.deadlineAt },
        ),
      );
    });
    this.logger.warn(`resuming study ${study.id}: secure-aggregation round ${round.number} runs again as attempt ${round.attempt} (${reason}; ${discarded} masked inputs discarded)`);
    this.emit({ type: 'round-restarted', studyId: study.id, round: round.number, attempt: round.attempt, reason });
    this.armDeadline(round);
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

  private armDeadline(round: RoundEntity): void {
    const key = `${round.studyId}#${round.number}`;
    clearTimeout(this.deadlines.get(key));
    const timer = setTimeout(
      () => {
        this.deadlines.delete(key);
        this.background(this.serial(round.studyId, () => this.onDeadline(round.studyId, round.number)));
      },
      Math.max(0, round.deadlineAt - Date.now()),
    );
    this.deadlines.set(key, timer);
  }

  private async onDeadline(studyId: string, number: number): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open') return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if ((await this.protocols.for(study).deadlinePassed(round)) === 'protocol') return;
    const received = await this.updates.countBy({ studyId, round: number });
    if (received >= study.quorum) {
      await this.closeRound(study, round, `closed at its deadline with ${received} of ${round.participants.length} updates (quorum ${study.quorum})`);
    } else {
      await this.failRound(study, round, `timed out with ${received} of ${round.participants.length} updates, below the quorum of ${study.quorum}`);
    }
  }

  /**
   * Stores a complete update whose header passed UploadValidator.checkHeader; closes the round when its
   * last participant has reported. What may have changed since the header was checked (the round
   * closing, a twin upload landing) is checked again inside the study's queue.
   */
  async acceptUpdate(header: UpdateHeader__Output, payload: Buffer): Promise<number> {
    return this.serial(header.studyId, async () => {
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
        received = await this.storeUpdate(header, payload, digest, round.participants.length, round.attempt);
      } catch (error) {
        protocol.storeFailed(round);
        throw error;
      }
      this.logger.log(`study ${study.id} round ${round.number}: update from ${header.clinicId} (${received} of ${round.participants.length})`);
      this.emit({ type: 'update-received', studyId: study.id, round: round.number, clinicId: header.clinicId, numSamples: header.numSamples, received, expected: round.participants.length });
      if ((await protocol.stored(round, header.clinicId, payload)) === 'answers') await this.closeIfAnswered(study, round);
      return received;
    });
  }

  /** A clinic declined a round in its signed ledger: the round stops waiting for it. */
  private async onRefusal({ clinicId, studyId, round: number, reason }: RoundRefusal): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open' || !round.participants.includes(clinicId)) return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    await this.recordRefusal(round, clinicId, reason);
    if ((await this.protocols.for(study).refused(round, clinicId)) === 'answers') await this.closeIfAnswered(study, round);
  }

  /** The audit event of a refusal, once: the ledger entry itself committed first, in the ledger's transaction. */
  private async recordRefusal(round: RoundEntity, clinicId: string, reason: string): Promise<void> {
    const { studyId, number } = round;
    const row = auditEvent('round-refused', { studyId, round: number, clinicId }, { reason });
    const added = await inTransaction(this.db, async (tx) => {
      if (await tx.existsBy(AuditEventEntity, { naturalKey: row.naturalKey })) return false;
      await tx.insert(AuditEventEntity, row);
      return true;
    });
    if (!added) return;
    this.logger.warn(`study ${studyId} round ${number}: ${clinicId} refused: ${reason}`);
    this.emit({ type: 'round-refused', studyId, round: number, clinicId, reason });
  }

  /** Refusals of the round's participants that a stop may have cut off before their audit event (after a restart). */
  private async recordRefusals(study: StudyEntity, round: RoundEntity): Promise<void> {
    for (const refusal of await this.ledger.refusals(study.id, round.number)) {
      if (round.participants.includes(refusal.clinicId)) await this.recordRefusal(round, refusal.clinicId, refusal.reason);
    }
  }

  /** Closes a round once each asked clinic sent its update or refused; fails it if the updates are below the quorum. */
  private async closeIfAnswered(study: StudyEntity, round: RoundEntity): Promise<void> {
    const updated = new Set((await this.updates.find({ where: { studyId: study.id, round: round.number }, select: ['clinicId'] })).map((u) => u.clinicId));
    // A clinic that sent its update has answered, whatever its ledger says afterwards.
    const refused = [...(await this.ledger.refusedBy(study.id, round.number))].filter((id) => round.participants.includes(id) && !updated.has(id)).length;
    const received = updated.size;
    if (received + refused < round.participants.length) return;
    if (refused === 0) {
      await this.closeRound(study, round, `closed with all ${received} updates`);
    } else if (received >= study.quorum && received > 0) {
      await this.closeRound(study, round, `closed with ${received} updates; ${refused} clinics refused (their privacy ledgers say why)`);
    } else {
      await this.failRound(study, round, `${refused} of ${round.participants.length} clinics refused (their privacy ledgers say why), leaving ${received} updates, below the quorum of ${study.quorum}`);
    }
  }

  /** The rounds of differentially private studies this clinic sent updates to: each needs a spend in its ledger. */
  async privateContributions(clinicId: string): Promise<{ studyId: string; round: number }[]> {
    const rows = await this.updates.find({ where: { clinicId }, select: ['studyId', 'round'], order: { studyId: 'ASC', round: 'ASC' } });
    const privateStudies = new Set((await this.studies.findBy({ id: In([...new Set(rows.map((r) => r.studyId))]) })).filter((s) => this.protocols.for(s).dp.spendsBudget).map((s) => s.id));
    return rows.filter((row) => privateStudies.has(row.studyId)).map(({ studyId, round }) => ({ studyId, round }));
  }

  /** Stores an update and its audit event in one transaction; answers the round's update count. */
  private async storeUpdate(header: UpdateHeader__Output, payload: Buffer, digest: string, expected: number, attempt: number): Promise<number> {
    const { studyId, round, clinicId } = header;
    return inTransaction(this.db, async (tx) => {
      await tx.insert(ReceivedUpdateEntity, {
        studyId,
        round,
        clinicId,
        numSamples: header.numSamples,
        trainLoss: header.trainLoss,
        codec: header.codec,
        payload,
        sha256: digest,
        receivedAt: Date.now(),
      });
      const received = await tx.countBy(ReceivedUpdateEntity, { studyId, round });
      await tx.insert(
        AuditEventEntity,
        // A restarted secure-aggregation round's attempt keys its events apart from the earlier attempt's.
        auditEvent(
          'update-received',
          { studyId, round, clinicId, attempt },
          { numSamples: header.numSamples, codec: header.codec, bytes: payload.length, sha256: digest, received, expected, ...(attempt > 0 ? { attempt } : {}) },
        ),
      );
      return received;
    });
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
    const version = this.modelVersion(study.id, round.number, built);
    const last = round.number === study.rounds;
    const updates = await this.updates.countBy({ studyId: study.id, round: round.number });
    const next = last ? null : this.newRound(study, round.number + 1, await this.availableClinics(study));
    round.status = 'closed';
    round.closedAt = Date.now();
    round.outcome = outcome;
    if (last) {
      study.status = 'completed';
      study.finishedAt = round.closedAt;
    }
    await inTransaction(this.db, async (tx) => {
      await tx.insert(ModelVersionEntity, version);
      await tx.update(RoundEntity, { studyId: study.id, number: round.number }, { status: round.status, closedAt: round.closedAt, outcome });
      const audit = [auditEvent('round-closed', { studyId: study.id, round: round.number }, { outcome, updates, modelVersion: version.version })];
      if (last) {
        await tx.update(StudyEntity, { id: study.id }, { status: study.status, finishedAt: study.finishedAt });
        audit.push(auditEvent('study-finished', { studyId: study.id }, { status: study.status, error: null }));
      }
      if (next) {
        await tx.insert(RoundEntity, next);
        audit.push(this.roundOpenedAudit(next));
      }
      await tx.insert(AuditEventEntity, audit);
    });
    protocol.discard(round);
    this.clearDeadline(round);
    this.logger.log(`study ${study.id} round ${round.number} ${outcome}`);
    this.emit({ type: 'round-closed', studyId: study.id, round: round.number, updates, outcome });

    const everyone = await this.availableClinics(study);
    const evaluate = await this.tasks.evaluate(study, round.number);
    for (const clinicId of everyone) this.hub.send(clinicId, evaluate);
    if (last) {
      this.finishStudy(study, everyone);
    } else if (next) {
      await this.roundOpened(study, next);
    } else {
      this.logger.warn(`study ${study.id}: round ${round.number + 1} waits until ${study.quorum} clinics are connected (${everyone.length} now)`);
    }
  }

  private async failRound(study: StudyEntity, round: RoundEntity, outcome: string): Promise<void> {
    this.protocols.for(study).discard(round, `round ${round.number} of study ${study.id} failed: ${outcome}`);
    round.status = 'failed';
    round.closedAt = Date.now();
    round.outcome = outcome;
    study.status = 'failed';
    study.error = `round ${round.number} failed: ${outcome}`;
    study.finishedAt = round.closedAt;
    await inTransaction(this.db, async (tx) => {
      await tx.update(RoundEntity, { studyId: study.id, number: round.number }, { status: round.status, closedAt: round.closedAt, outcome });
      await tx.update(StudyEntity, { id: study.id }, { status: study.status, error: study.error, finishedAt: study.finishedAt });
      await tx.insert(AuditEventEntity, [
        auditEvent('round-failed', { studyId: study.id, round: round.number }, { outcome }),
        auditEvent('study-finished', { studyId: study.id }, { status: study.status, error: study.error }),
      ]);
    });
    this.clearDeadline(round);
    this.logger.error(`study ${study.id} ${study.error}`);
    this.emit({ type: 'round-failed', studyId: study.id, round: round.number, outcome });
    this.finishStudy(study, await this.availableClinics(study));
  }

  /** After a study's end committed (with its study-finished audit event): tell its clinics. */
  private finishStudy(study: StudyEntity, clinics: string[]): void {
    const finished = this.tasks.finished(study);
    for (const clinicId of clinics) this.hub.send(clinicId, finished);
    this.emit({ type: 'study-finished', studyId: study.id, status: study.status === 'completed' ? 'completed' : 'failed', error: study.error });
  }

  private clearDeadline(round: RoundEntity): void {
    const key = `${round.studyId}#${round.number}`;
    clearTimeout(this.deadlines.get(key));
    this.deadlines.delete(key);
  }

  // ---- models and metrics ----------------------------------------------------------------------

  /**
   * A model version as bytes for download: plain float32, or for encrypted studies after version 0
   * (the public initial model) the stored ciphertext sum.
   */
  async modelBytes(studyId: string, version: number): Promise<{ study: StudyEntity; bytes: Uint8Array; codec: string; keyId: string }> {
    const study = await this.studies.findOneBy({ id: studyId });
    if (!study) throw refuse.notFound(`study "${studyId}" does not exist`);
    const model = await this.models.findOneBy({ studyId, version });
    if (!model) throw refuse.notFound(`study ${studyId} has no model version ${version} (yet)`);
    if (model.payload) return { study, bytes: model.payload, codec: model.codec, keyId: model.keyId ?? '' };
    return { study, bytes: PLAIN.encode(model.parameters!), codec: PLAIN.name, keyId: '' };
  }

  async studyError(studyId: string): Promise<string | null> {
    return (await this.studies.findOneBy({ id: studyId }))?.error ?? null;
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private modelVersion(studyId: string, version: number, content: ModelVersionContent): ModelVersionEntity {
    return this.models.create({ studyId, version, ...content, createdAt: Date.now() });
  }

  /** Runs `work` in the study's lock: after every earlier piece of work of the same study. */
  private serial<T>(studyId: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(studyId, work);
  }

  /** Work started by an event rather than a caller: its failure is logged, never left unhandled. */
  private background(work: Promise<unknown>): void {
    work.catch((error: unknown) => this.logger.error(error instanceof Error ? error.message : String(error)));
  }

  private emit(event: FederationEvent): void {
    this.eventSubject.next(event);
  }
}
