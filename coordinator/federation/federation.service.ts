import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { map, merge, Subject, type Observable } from 'rxjs';
import { In, type DataSource, type Repository } from 'typeorm';
import { sha256 } from '../../common/chunk-stream.js';
import { FederationError, refuse } from '../../common/errors.js';
import { deriveSeed } from '../../common/random.js';
import { initialParameters, parameterCount } from '../../common/model-spec.js';
import {
  bytesToWords,
  calibrateNoise,
  DEFAULT_CONVENTION,
  ckksCodecName,
  CodecError,
  degreeForDropout,
  dequantizeSum,
  fixedPointFor,
  MASKED_INPUT_CODEC,
  plainFloat32Codec,
  type SecAggResult,
} from '../../crypto/index.js';
import { advertFromWire, neighboursToWire, sealedFromWire, sealedToWire, secAggRoundId, shareFromWire } from '../../wire/secagg-wire.js';
import type { DpSpec } from '../../protos/generated/cohort/v1/DpSpec.js';
import type { EncryptionSpec } from '../../protos/generated/cohort/v1/EncryptionSpec.js';
import type { SecAggAdvert__Output } from '../../protos/generated/cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours } from '../../protos/generated/cohort/v1/SecAggNeighbours.js';
import type { SecAggReveal__Output } from '../../protos/generated/cohort/v1/SecAggReveal.js';
import type { SecAggShareDelivery } from '../../protos/generated/cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest__Output } from '../../protos/generated/cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggSpec } from '../../protos/generated/cohort/v1/SecAggSpec.js';
import type { SecAggStageRequest__Output } from '../../protos/generated/cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask } from '../../protos/generated/cohort/v1/SecAggUnmask.js';
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
import { aggregateFit, createStrategy, type FitResult, type StrategyState } from '../../strategies/index.js';
import { DEFAULT_SECAGG, type StudyConfig } from '../config/study-config.js';
import type { FederationEvent } from './federation-events.js';
import { EncryptedAggregates } from './encrypted-aggregates.js';
import { SecAggRounds } from './secagg-rounds.js';

const PLAIN = plainFloat32Codec;

/**
 * Runs studies: registers clinics, opens rounds, accepts updates, closes each round when all its
 * clinics reported or at its deadline with at least the quorum, aggregates with the study's
 * strategy and hands out the next task. Every state change of a study runs in that study's queue,
 * one at a time, so a deadline and a last update cannot both close the same round.
 *
 * Encrypted studies (privacy `he`) wait for their key ceremony, ask only clinics holding the key, sum
 * ciphertexts as they arrive and store the encrypted sum as the model version: the server step of the
 * strategy then runs at the clinics, which alone can decrypt.
 *
 * Differentially private studies (privacy `dp`, `he+dp`) take an update only from a clinic whose
 * ledger holds a spend for that round; a clinic's signed refusal counts as its answer, so a round
 * closes once every asked clinic sent an update or refused, if the updates meet the quorum.
 *
 * Securely aggregated studies (privacy `secagg`, `secagg+dp`) run each round's protocol stages
 * (SecAggRounds) among enrolled clinics: the masked inputs are summed as they arrive and only the
 * unmasked sum (Σ weight·update and Σ weight) is ever seen; the server step then runs on its mean.
 * A round that cannot unmask (fewer than the threshold survived) fails with the reason.
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
    private readonly encrypted: EncryptedAggregates,
    private readonly ledger: LedgerService,
    private readonly secagg: SecAggRounds,
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
   * attempt (restartSecAggRound).
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
    if (study.secagg) {
      // Its adverts, shares and running sum lived in the stopped process and cannot be rebuilt: the round runs again.
      await this.restartSecAggRound(study, round, 'the coordinator restarted during this secure-aggregation round; its key stages were held in memory and are gone');
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
    this.secagg.discardAll();
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
      tasks.push(await this.evaluateTask(study, version));
      if (study.status !== 'running') tasks.push(this.finishedTask(study));
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
      if (study.secagg) {
        // A secure-aggregation round takes a clinic only while its attempt waits for adverts, and only once.
        const terms = this.secagg.awaitsAdvert(secAggRoundId(study.id, round.number, round.attempt), clinic.id);
        if (terms) tasks.push(this.trainTask(study, round, clinic.id, null, terms as SecAggTerms));
        continue;
      }
      tasks.push(this.trainTask(study, round, clinic.id, await this.encryptionSpec(study)));
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
      await tx.save(this.modelVersion(study.id, 0, initialParameters(study.model, study.seed), null));
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
    if (study.encryption && !(await this.keys.studyKey(studyId))) return;
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
   * Connected clinics serving the study's dataset, in registration order: holding its key if it is
   * encrypted, enrolled (with a signing key) if it is securely aggregated.
   */
  private async availableClinics(study: StudyEntity): Promise<string[]> {
    const connected = await this.registry.connected(study.dataset);
    const eligible = study.encryption ? await this.keys.keyHolders(study.id) : study.secagg ? new Set((await this.keys.enrolled()).map((card) => card.clinicId)) : null;
    return connected.filter((id) => eligible?.has(id) ?? true);
  }

  /** How a study's updates (and, when encrypted, its model versions after 0) are encoded. */
  private codecName(study: StudyEntity): string {
    return study.encryption ? ckksCodecName(study.encryption.parameterSet) : study.secagg ? MASKED_INPUT_CODEC : PLAIN.name;
  }

  /** The codec of model versions: the coordinator of a securely aggregated study sees the sum and stores plain parameters. */
  private modelCodecName(study: StudyEntity): string {
    return study.encryption ? ckksCodecName(study.encryption.parameterSet) : PLAIN.name;
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
    const encryption = await this.encryptionSpec(study);
    let secagg: SecAggSpec | null = null;
    if (study.secagg) {
      secagg = await this.startSecAggOrFail(study, round);
      if (!secagg) return;
    }
    for (const clinicId of clinics) this.hub.send(clinicId, this.trainTask(study, round, clinicId, encryption, secagg));
  }

  /** Opens the round's protocol session; if it cannot start (bad settings for these clinics), the round fails with the reason and null is returned. */
  private async startSecAggOrFail(study: StudyEntity, round: RoundEntity): Promise<SecAggTerms | null> {
    try {
      return await this.openSecAgg(study, round);
    } catch (error) {
      if (!(error instanceof FederationError)) throw error;
      await this.failRound(study, round, `secure aggregation cannot start: ${error.message}`);
      return null;
    }
  }

  /** The protocol session of a securely aggregated round, and what its clinics need to know of it. */
  private async openSecAgg(study: StudyEntity, round: RoundEntity): Promise<SecAggTerms> {
    const settings = study.secagg!;
    const n = round.participants.length;
    const degree = Math.min(settings.degree ?? degreeForDropout(n, settings.expectedDropout ?? DEFAULT_SECAGG.expectedDropout), n - 1);
    const threshold = settings.threshold ?? Math.floor(degree / 2) + 1;
    const cards = new Map((await this.keys.enrolled()).map((card) => [card.clinicId, card.signPublicKey]));
    const participants = await this.registry.withIds(round.participants);
    const stageTimeoutMs = Math.round(settings.stageTimeoutS * 1000);
    const spec: SecAggTerms = { threshold, degree, ...this.fixedPointTerms(study, participants), stageTimeoutMs, minContributors: study.quorum, attempt: round.attempt };
    try {
      fixedPointFor(spec.clipRange, spec.maxTotalWeight);
      this.secagg.open(
        {
          round: secAggRoundId(study.id, round.number, round.attempt),
          clinics: round.participants,
          degree,
          threshold,
          words: parameterCount(study.model) + 1,
          signKeys: new Map(round.participants.map((id) => [id, cards.get(id)!])),
          stageTimeoutMs,
          terms: spec,
        },
        {
          run: (work) => this.serial(study.id, work),
          finished: (result) => this.onUnmasked(study.id, round.number, round.attempt, result, spec),
          aborted: (reason) => this.onSecAggAborted(study.id, round.number, round.attempt, reason),
        },
      );
    } catch (error) {
      throw refuse.precondition((error as Error).message);
    }
    return spec;
  }

  /**
   * How updates are quantised. secagg: values clipped to the study's range, weighted by record
   * counts. secagg+dp: every clinic counts once (a record count would scale its sensitivity), values
   * bounded by the L2 clip, and the total-weight bound raised so the sum keeps room for the noise
   * (8 standard deviations of the total, with the noise of every participant) within 32 bits.
   */
  private fixedPointTerms(study: StudyEntity, participants: ClinicEntity[]): { clipRange: number; maxTotalWeight: number } {
    if (!study.dp) return { clipRange: study.secagg!.clipRange, maxTotalWeight: participants.reduce((sum, c) => sum + c.numTrain, 0) };
    const n = participants.length;
    const z = calibrateNoise(study.dp.targetEpsilon, 1, study.rounds, study.dp.delta, DEFAULT_CONVENTION).noiseMultiplier;
    const totalNoiseInClips = 2 * z * Math.sqrt(n / Math.min(n, study.quorum));
    return { clipRange: study.dp.clipNorm, maxTotalWeight: n + Math.ceil(8 * totalNoiseInClips) };
  }

  /** The round unmasked: its mean update goes through the strategy if enough clinics are in the sum. */
  private async onUnmasked(studyId: string, number: number, attempt: number, result: SecAggResult, spec: SecAggTerms): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    const round = await this.rounds.findOneByOrFail({ studyId, number });
    if (round.status !== 'open' || round.attempt !== attempt) return;
    if (result.survivors.length < study.quorum) {
      await this.failRound(study, round, `secure aggregation unmasked ${result.survivors.length} updates, below the quorum of ${study.quorum}`);
      return;
    }
    const dropped = result.dropped.length > 0 ? `; ${result.dropped.length} dropped after sharing keys, their masks removed from the survivors' shares` : '';
    const version = await this.secAggVersion(study, round, result, spec);
    await this.closeRound(study, round, `closed with the secure sum of ${result.survivors.length} updates${dropped}`, version);
  }

  private async onSecAggAborted(studyId: string, number: number, attempt: number, reason: string): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    const round = await this.rounds.findOneByOrFail({ studyId, number });
    if (round.status === 'open' && round.attempt === attempt) await this.failRound(study, round, `secure aggregation aborted: ${reason}`);
  }

  /**
   * After a restart, an open secure-aggregation round runs again as a fresh attempt: its masked
   * inputs (bound to keys that died with the old process; they can never be unmasked) are deleted, its
   * attempt goes up by one and it gets a fresh deadline, with a `round-restarted` audit event, in one
   * transaction. Then a new protocol session opens under the new round id, and the round's
   * participants (fixed when it opened) get the TRAIN task of the new attempt: those connected now,
   * the others when they reconnect (pendingTasks, while the attempt waits for adverts). Who shows up
   * is the session's business, as in any attempt: stages close at their timeout without the absent.
   */
  private async restartSecAggRound(study: StudyEntity, round: RoundEntity, reason: string): Promise<void> {
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
    const secagg = await this.startSecAggOrFail(study, round);
    if (!secagg) return;
    // Refusals signed before the stop: the new attempt does not wait for those clinics' adverts.
    await this.recordRefusals(study, round);
    const roundId = secAggRoundId(study.id, round.number, round.attempt);
    for (const clinicId of await this.ledger.refusedBy(study.id, round.number)) await this.secagg.excuse(roundId, clinicId);
    const connected = new Set(this.hub.connectedClinics());
    for (const clinicId of round.participants) {
      if (connected.has(clinicId) && this.secagg.awaitsAdvert(roundId, clinicId)) this.hub.send(clinicId, this.trainTask(study, round, clinicId, null, secagg));
    }
  }

  private trainTask(study: StudyEntity, round: RoundEntity, clinicId: string, encryption: EncryptionSpec | null, secagg: SecAggSpec | null = null): Task {
    return {
      kind: 'TASK_KIND_TRAIN',
      studyId: study.id,
      dataset: study.dataset,
      round: round.number,
      modelVersion: round.number - 1,
      model: this.modelSpecMessage(study),
      training: { ...study.training, seed: deriveSeed(study.seed, clinicId, round.number) },
      privacy: study.privacy,
      codec: this.codecName(study),
      deadlineUnixMs: round.deadlineAt,
      strategy: study.strategy,
      encryption,
      participants: round.participants.length,
      dp: this.dpSpec(study),
      secagg,
    };
  }

  /** Under secagg+dp each round is one Gaussian release of the sum; under DP-SGD every local step is one. */
  private dpSpec(study: StudyEntity): DpSpec | null {
    return study.dp && { ...study.dp, totalSteps: study.secagg ? study.rounds : study.rounds * study.training.localSteps };
  }

  modelSpecMessage(study: StudyEntity) {
    return { ...study.model, numParameters: parameterCount(study.model) };
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
    if (study.secagg) return this.secagg.deadline(secAggRoundId(studyId, number, round.attempt));
    const received = await this.updates.countBy({ studyId, round: number });
    if (received >= study.quorum) {
      await this.closeRound(study, round, `closed at its deadline with ${received} of ${round.participants.length} updates (quorum ${study.quorum})`);
    } else {
      await this.failRound(study, round, `timed out with ${received} of ${round.participants.length} updates, below the quorum of ${study.quorum}`);
    }
  }

  /**
   * First checks on an upload, from its header alone, before any payload is read: who sends, for
   * which round, and exactly how many bytes the update must have. Answers `{ alreadyStored }` (the
   * round's update count) when the header declares the very update this clinic already sent for the
   * round (same SHA-256): a resend after a lost acknowledgement, to be acknowledged unread.
   */
  async checkUploadHeader(header: UpdateHeader__Output): Promise<{ alreadyStored: number } | null> {
    await this.registry.requireClinic(header.clinicId);
    const study = await this.studies.findOneBy({ id: header.studyId });
    if (!study) throw refuse.notFound(`study "${header.studyId}" does not exist`);
    const round = await this.rounds.findOneBy({ studyId: study.id, number: header.round });
    if (!round) throw refuse.notFound(`study ${study.id} has no round ${header.round}`);
    const resent = await this.checkRoundAccepts(study, round, header.clinicId, Buffer.from(header.sha256).toString('hex'));
    if (resent !== null) {
      this.logger.log(`study ${study.id} round ${round.number}: update from ${header.clinicId} sent again, already stored: acknowledged, counted once`);
      return { alreadyStored: resent };
    }
    if (header.modelVersion !== round.number - 1) {
      throw refuse.precondition(`round ${round.number} trains from model version ${round.number - 1}, the update was trained from version ${header.modelVersion}`);
    }
    const codec = this.codecName(study);
    if (header.codec !== codec) {
      throw refuse.invalid(`study ${study.id} expects updates encoded as ${codec}, got "${header.codec}"`);
    }
    if (study.encryption) {
      const key = await this.keys.studyKey(study.id);
      if (header.keyId !== key?.keyId) {
        throw refuse.invalid(`update from ${header.clinicId} is encrypted under key "${header.keyId}", study ${study.id} uses key ${key?.keyId ?? '(none yet)'}`);
      }
      if (header.numSamples !== 0) throw refuse.invalid('an encrypted update carries its sample count inside the ciphertext: num_samples must be 0');
    } else if (study.secagg) {
      if (header.numSamples !== 0) throw refuse.invalid('a masked input carries its weight inside the masked words: num_samples must be 0');
      if (header.trainLoss !== 0) throw refuse.invalid('under secure aggregation the coordinator learns only the sum: train_loss must not be sent (0)');
    } else if (!(header.numSamples >= 1)) {
      throw refuse.invalid('an update must declare at least one training sample (num_samples)');
    }
    if (!Number.isFinite(header.trainLoss)) throw refuse.invalid(`train_loss must be finite, got ${header.trainLoss}`);
    if (study.dp && !(await this.ledger.hasSpend(header.clinicId, study.id, round.number))) {
      throw refuse.precondition(
        `study ${study.id} is differentially private: the ledger of ${header.clinicId} holds no spend for round ${round.number}; append it (AppendLedgerEntries) before the update`,
      );
    }
    const numParameters = parameterCount(study.model);
    const expectedBytes = study.encryption
      ? (await this.encrypted.context(study.encryption.parameterSet)).updateBytes(numParameters)
      : study.secagg
        ? 4 * (numParameters + 1)
        : PLAIN.encodedBytes(numParameters);
    if (header.totalBytes !== expectedBytes) {
      throw refuse.invalid(
        `wrong update length: the model has ${numParameters} parameters (${expectedBytes} bytes as ${codec}), the header declares ${header.totalBytes} bytes`,
      );
    }
    // The protocol's own view: has this clinic shared keys, and not sent its masked input yet?
    if (study.secagg) this.secagg.checkMaskedInput(secAggRoundId(study.id, round.number, round.attempt), header.clinicId, numParameters + 1);
    return null;
  }

  /**
   * Null when the round takes this clinic's update: it is open, asked the clinic, and holds no update
   * from it yet. The round's update count when the clinic's stored update has this very digest: the
   * same update sent again after its acknowledgement was lost, counted once. Otherwise a refusal.
   */
  private async checkRoundAccepts(study: StudyEntity, round: RoundEntity, clinicId: string, digest: string): Promise<number | null> {
    const where = { studyId: study.id, round: round.number };
    const stored = await this.updates.findOne({ where: { ...where, clinicId }, select: ['studyId', 'round', 'clinicId', 'sha256'] });
    if (stored?.sha256 === digest) return this.updates.countBy(where);
    if (round.status !== 'open') {
      throw refuse.precondition(`round ${round.number} of study ${study.id} is ${round.status}: it takes no more updates`);
    }
    if (!round.participants.includes(clinicId)) {
      throw refuse.denied(`clinic ${clinicId} was not asked to train in round ${round.number} of study ${study.id}`);
    }
    if (stored) throw refuse.duplicate(`clinic ${clinicId} already sent its update for round ${round.number} of study ${study.id}`);
    return null;
  }

  /**
   * Stores a complete update whose header passed {@link checkUploadHeader}; closes the round when its
   * last participant has reported. What may have changed since the header was checked (the round
   * closing, a twin upload landing) is checked again inside the study's queue.
   */
  async acceptUpdate(header: UpdateHeader__Output, payload: Buffer): Promise<number> {
    return this.serial(header.studyId, async () => {
      const study = await this.studies.findOneByOrFail({ id: header.studyId });
      const numParameters = parameterCount(study.model);
      if (!study.encryption && !study.secagg) {
        try {
          PLAIN.decode(payload, numParameters);
        } catch (error) {
          if (error instanceof CodecError) throw refuse.invalid(`update from ${header.clinicId}: ${error.message}`);
          throw error;
        }
      }
      const round = await this.rounds.findOneByOrFail({ studyId: study.id, number: header.round });
      // Again in the queue: the round may have closed, or a twin of this upload been stored, since the header was checked.
      const digest = sha256(payload).toString('hex');
      const resent = await this.checkRoundAccepts(study, round, header.clinicId, digest);
      if (resent !== null) return resent;
      const roundKey = { studyId: study.id, round: round.number };
      const secAggRound = secAggRoundId(study.id, round.number, round.attempt);
      // A masked input is stored (alone it reveals nothing), then added to the round's secure sum.
      if (study.secagg) this.secagg.checkMaskedInput(secAggRound, header.clinicId, numParameters + 1);
      if (study.encryption) {
        // Checked as ciphertext and summed before it is stored; if storing fails the sum is dropped
        // and rebuilt from what the database holds.
        const what = `update from ${header.clinicId}`;
        await this.encrypted.add(roundKey, study.encryption.parameterSet, numParameters, payload, what, () => this.storedPayloads(roundKey));
      }
      let received: number;
      try {
        received = await this.storeUpdate(header, payload, digest, round.participants.length, round.attempt);
      } catch (error) {
        this.encrypted.discard(roundKey);
        throw error;
      }
      this.logger.log(`study ${study.id} round ${round.number}: update from ${header.clinicId} (${received} of ${round.participants.length})`);
      this.emit({ type: 'update-received', studyId: study.id, round: round.number, clinicId: header.clinicId, numSamples: header.numSamples, received, expected: round.participants.length });
      // Secure aggregation: the last masked input closes the stage, and unmasking closes the round.
      if (study.secagg) await this.secagg.maskedInput(secAggRound, header.clinicId, bytesToWords(payload));
      else await this.closeIfAnswered(study, round);
      return received;
    });
  }

  /** A clinic declined a round in its signed ledger: the round stops waiting for it. */
  private async onRefusal({ clinicId, studyId, round: number, reason }: RoundRefusal): Promise<void> {
    const round = await this.rounds.findOneBy({ studyId, number });
    if (round?.status !== 'open' || !round.participants.includes(clinicId)) return;
    const study = await this.studies.findOneByOrFail({ id: studyId });
    await this.recordRefusal(round, clinicId, reason);
    if (study.secagg) return this.secagg.excuse(secAggRoundId(studyId, number, round.attempt), clinicId);
    await this.closeIfAnswered(study, round);
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
    const privateStudies = new Set((await this.studies.findBy({ id: In([...new Set(rows.map((r) => r.studyId))]) })).filter((s) => s.dp).map((s) => s.id));
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

  /** A round's stored update payloads, oldest first, to rebuild its encrypted sum. */
  private async storedPayloads({ studyId, round }: { studyId: string; round: number }): Promise<Uint8Array[]> {
    const rows = await this.updates.find({ where: { studyId, round }, order: { receivedAt: 'ASC', clinicId: 'ASC' }, select: ['payload'] });
    return rows.map((row) => row.payload);
  }

  /**
   * Closes a round with its aggregate: `version` when the caller has it (secure aggregation), else
   * built from the stored updates. One transaction holds the model version, the round's end, and
   * either the study's end (last round) or the next round's opening, with their audit events; tasks
   * go out only after it commits. With fewer than the quorum of clinics connected the next round
   * waits for them (openNextRound, when one connects).
   */
  private async closeRound(study: StudyEntity, round: RoundEntity, outcome: string, aggregate?: ModelVersionEntity | null): Promise<void> {
    const version = aggregate !== undefined ? aggregate : study.encryption ? await this.encryptedVersion(study, round) : await this.plainVersion(study, round);
    if (!version) {
      await this.failRound(study, round, 'aggregation produced non-finite parameters (diverging training?)');
      return;
    }
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
    this.encrypted.discard({ studyId: study.id, round: round.number });
    this.secagg.discard(secAggRoundId(study.id, round.number, round.attempt));
    this.clearDeadline(round);
    this.logger.log(`study ${study.id} round ${round.number} ${outcome}`);
    this.emit({ type: 'round-closed', studyId: study.id, round: round.number, updates, outcome });

    const everyone = await this.availableClinics(study);
    const evaluate = await this.evaluateTask(study, round.number);
    for (const clinicId of everyone) this.hub.send(clinicId, evaluate);
    if (last) {
      this.finishStudy(study, everyone);
    } else if (next) {
      await this.roundOpened(study, next);
    } else {
      this.logger.warn(`study ${study.id}: round ${round.number + 1} waits until ${study.quorum} clinics are connected (${everyone.length} now)`);
    }
  }

  /** Plain studies: the strategy aggregates the decoded updates; null if it diverged. */
  private async plainVersion(study: StudyEntity, round: RoundEntity): Promise<ModelVersionEntity | null> {
    const numParameters = parameterCount(study.model);
    const global = await this.models.findOneByOrFail({ studyId: study.id, version: round.number - 1 });
    // In clinic order, whatever the order of arrival (and of restarts): the sum is then the same bits every time.
    const received = await this.updates.find({ where: { studyId: study.id, round: round.number }, order: { clinicId: 'ASC' } });
    // Decoded one at a time as the strategy consumes them: memory holds one update beside the aggregate.
    const results = function* (): Generator<FitResult> {
      for (const update of received) {
        yield { clinicId: update.clinicId, numSamples: update.numSamples, delta: PLAIN.decode(update.payload, numParameters).values };
      }
    };
    const { parameters, state } = aggregateFit(createStrategy(study.strategy), global.parameters!, results(), unpackState(global));
    return parameters.every(Number.isFinite) ? this.modelVersion(study.id, round.number, parameters, state) : null;
  }

  /** Securely aggregated studies: the strategy's server step on the unmasked weighted mean; null if it diverged. */
  private async secAggVersion(study: StudyEntity, round: RoundEntity, result: SecAggResult, spec: SecAggTerms): Promise<ModelVersionEntity | null> {
    const { values, weight } = dequantizeSum(result.sum, fixedPointFor(spec.clipRange, spec.maxTotalWeight));
    const global = await this.models.findOneByOrFail({ studyId: study.id, version: round.number - 1 });
    const mean: FitResult = { clinicId: `secure sum of ${result.survivors.length}`, numSamples: weight, delta: Float32Array.from(values) };
    const { parameters, state } = aggregateFit(createStrategy(study.strategy), global.parameters!, [mean], unpackState(global));
    return parameters.every(Number.isFinite) ? this.modelVersion(study.id, round.number, parameters, state) : null;
  }

  /** Encrypted studies: the round's ciphertext sum becomes the model version, as it is. */
  private async encryptedVersion(study: StudyEntity, round: RoundEntity): Promise<ModelVersionEntity> {
    const roundKey = { studyId: study.id, round: round.number };
    const payload = await this.encrypted.save(roundKey, study.encryption!.parameterSet, parameterCount(study.model), () => this.storedPayloads(roundKey));
    const key = await this.keys.studyKey(study.id);
    return this.models.create({
      studyId: study.id,
      version: round.number,
      parameters: null,
      strategyState: null,
      stateLayout: null,
      codec: this.codecName(study),
      keyId: key!.keyId,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      createdAt: Date.now(),
    });
  }

  private async failRound(study: StudyEntity, round: RoundEntity, outcome: string): Promise<void> {
    this.encrypted.discard({ studyId: study.id, round: round.number });
    this.secagg.discard(secAggRoundId(study.id, round.number, round.attempt), `round ${round.number} of study ${study.id} failed: ${outcome}`);
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
    const finished = this.finishedTask(study);
    for (const clinicId of clinics) this.hub.send(clinicId, finished);
    this.emit({ type: 'study-finished', studyId: study.id, status: study.status === 'completed' ? 'completed' : 'failed', error: study.error });
  }

  private finishedTask(study: StudyEntity): Task {
    return {
      kind: 'TASK_KIND_STUDY_FINISHED',
      studyId: study.id,
      dataset: study.dataset,
      round: study.rounds,
      studyStatus: study.status === 'completed' ? 'completed' : 'failed',
      message: study.error ?? `completed ${study.rounds} rounds`,
    };
  }

  private async evaluateTask(study: StudyEntity, version: number): Promise<Task> {
    return {
      kind: 'TASK_KIND_EVALUATE',
      studyId: study.id,
      dataset: study.dataset,
      round: version,
      modelVersion: version,
      model: this.modelSpecMessage(study),
      codec: this.modelCodecName(study),
      strategy: study.strategy,
      encryption: await this.encryptionSpec(study),
    };
  }

  /** What clinics need to encrypt and decrypt for an encrypted study: its parameter set and key. */
  private async encryptionSpec(study: StudyEntity): Promise<EncryptionSpec | null> {
    const key = study.encryption ? await this.keys.studyKey(study.id) : null;
    return study.encryption && key ? { parameterSet: study.encryption.parameterSet, keyId: key.keyId } : null;
  }

  private clearDeadline(round: RoundEntity): void {
    const key = `${round.studyId}#${round.number}`;
    clearTimeout(this.deadlines.get(key));
    this.deadlines.delete(key);
  }

  // ---- secure aggregation stages -----------------------------------------------------------------

  /** Stage 1: a clinic's key advert; answers with its neighbours' once the stage closes. */
  async secAggAdvertise(request: SecAggAdvert__Output): Promise<SecAggNeighbours> {
    const roundId = await this.secAggRoundOf(request);
    const view = await this.secagg.advertise(roundId, advertFromWire(request, roundId));
    return neighboursToWire(view, request.studyId, request.round, request.attempt);
  }

  /** Stage 2: a clinic's sealed shares; answers with those sealed to it once the stage closes. */
  async secAggShareKeys(request: SecAggShareKeysRequest__Output): Promise<SecAggShareDelivery> {
    const roundId = await this.secAggRoundOf(request);
    const delivered = await this.secagg.shareKeys(roundId, request.clinicId, request.shares.map((box) => sealedFromWire(box, roundId)));
    return { shares: delivered.map(sealedToWire) };
  }

  /** Stage 4: the shares a clinic is to reveal, once the masked inputs are in. */
  async secAggUnmaskRequest(request: SecAggStageRequest__Output): Promise<SecAggUnmask> {
    const roundId = await this.secAggRoundOf(request);
    const { survivors, dropped } = await this.secagg.unmaskRequest(roundId, request.clinicId);
    return { survivors: [...survivors], dropped: [...dropped] };
  }

  /** Stage 4: a clinic's revealed shares. */
  async secAggRevealShares(request: SecAggReveal__Output): Promise<number> {
    const roundId = await this.secAggRoundOf(request);
    return this.secagg.reveal(roundId, request.clinicId, request.shares.map((share) => shareFromWire(share, roundId, request.clinicId)));
  }

  /** The round a stage message is for: a registered clinic, a securely aggregated study, an open round in the message's attempt. */
  private async secAggRoundOf({ clinicId, studyId, round: number, attempt }: { clinicId: string; studyId: string; round: number; attempt: number }): Promise<string> {
    await this.registry.requireClinic(clinicId);
    const study = await this.studies.findOneBy({ id: studyId });
    if (!study) throw refuse.notFound(`study "${studyId}" does not exist`);
    if (!study.secagg) throw refuse.precondition(`study ${studyId} does not use secure aggregation (privacy "${study.privacy}")`);
    const round = await this.rounds.findOneBy({ studyId, number });
    if (!round) throw refuse.notFound(`study ${studyId} has no round ${number}`);
    if (round.status !== 'open') throw refuse.precondition(`round ${number} of study ${studyId} is ${round.status}`);
    if (attempt !== round.attempt) {
      // A clinic still in an attempt that a coordinator restart ended: the round moved on without it.
      throw refuse.precondition(`round ${number} of study ${studyId} is in attempt ${round.attempt}; attempt ${attempt} is over (the coordinator restarted)`);
    }
    return secAggRoundId(studyId, number, round.attempt);
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

  private modelVersion(studyId: string, version: number, parameters: Float32Array, state: StrategyState | null): ModelVersionEntity {
    const layout = state ? Object.keys(state) : null;
    return this.models.create({
      studyId,
      version,
      parameters,
      strategyState: state && layout ? concat(layout.map((k) => state[k]!)) : null,
      stateLayout: layout,
      codec: PLAIN.name,
      keyId: null,
      payload: null,
      createdAt: Date.now(),
    });
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

/** A secure-aggregation round's terms, as its TRAIN tasks carry them (SecAggSpec). */
type SecAggTerms = { [K in keyof SecAggSpec]-?: number };

function concat(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of vectors) {
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}

function unpackState(model: ModelVersionEntity): StrategyState | null {
  if (!model.strategyState || !model.stateLayout) return null;
  const size = model.parameters!.length;
  return Object.fromEntries(model.stateLayout.map((key, i) => [key, model.strategyState!.slice(i * size, (i + 1) * size)]));
}
