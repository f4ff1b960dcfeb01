import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { map, merge, type Observable } from 'rxjs';
import { In, type Repository } from 'typeorm';
import type { ClinicTask } from '../clinics/clinic-task.js';
import type { UpdateHeader } from '../protocols/update-header.js';
import { ClinicApprovals } from '../clinics/clinic-approvals.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { TaskHub } from '../clinics/task-hub.js';
import type { StudyConfig } from '../config/study-config.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { KeysService } from '../keys/keys.service.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { STUDY_LOCK, type StudyLock } from '../persistence/study-lock.js';
import { RoundStore } from '../rounds/round-store.js';
import { ClinicTasks } from './clinic-tasks.js';
import { FederationEventBus, type FederationEvent } from './federation-events.js';
import { inBackground, RoundRunner } from './round-runner.js';
import { StudyRecords } from './study-records.js';
import { UpdateProtocols } from './update-protocols.js';
import { UploadValidator } from './upload-validator.js';
import { lifecycleTransition, settingsDifferences, storedSettings, type LifecycleAction } from './study-lifecycle.js';
import { refuse } from '../../common/errors.js';
import { STUDY_COLUMN_LIMITS } from '../persistence/stored-limits.js';

/** The queue of study creations, so two creations cannot take one name. */
const STUDY_NAMES = 'study-names';

/**
 * Runs studies: creates them, starts each once `minClinics` are available, opens the next round
 * when a round's close found too few clinics, and resumes every running study after a restart. The
 * rounds themselves run in RoundRunner (deciding with RoundMachine, storing with RoundStore); what
 * depends on the privacy mode, the study's protocol answers (coordinator/protocols). Every state
 * change of a study runs in its StudyLock, one at a time, so a deadline and a last update cannot
 * both close the same round.
 */
@Injectable()
export class FederationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Federation');
  /** Every event of the federation after its commit, evaluations included. */
  readonly events$: Observable<FederationEvent>;

  constructor(
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @Inject(STUDY_LOCK) private readonly lock: StudyLock,
    private readonly store: RoundStore,
    private readonly runner: RoundRunner,
    private readonly hub: TaskHub,
    private readonly registry: ClinicRegistry,
    private readonly protocols: UpdateProtocols,
    private readonly clinicTasks: ClinicTasks,
    private readonly records: StudyRecords,
    private readonly bus: FederationEventBus,
    ledger: LedgerService,
    private readonly keys: KeysService,
    evaluations: Evaluations,
    private readonly approvals: ClinicApprovals,
    uploads: UploadValidator,
  ) {
    const evaluated = evaluations.recorded$.pipe(
      map((report): FederationEvent => {
        const { studyId, modelVersion, clinicId, accuracy, numTest, cIndex } = report;
        const concordance = { concordant: report.concordantPairs, discordant: report.discordantPairs, tiedRisk: report.tiedRiskPairs };
        return { type: 'evaluation', studyId, modelVersion, clinicId, accuracy, numTest, cIndex, concordance };
      }),
    );
    this.events$ = merge(this.bus.events$, evaluated);
    this.hub.connected$.subscribe((clinicId) => this.background(this.onClinicConnected(clinicId)));
    // A clinic approved while connected counts from now on, as if it had just connected.
    approvals.approved$.subscribe((clinicId) => this.background(this.onClinicConnected(clinicId)));
    ledger.refusals$.subscribe((refusal) => this.background(this.serial(refusal.studyId, () => this.runner.onRefusal(refusal))));
    uploads.rejections$.subscribe((rejection) => this.background(this.serial(rejection.studyId, () => this.runner.onRejection(rejection))));
    keys.keyReady$.subscribe((studyId) => this.background(this.serial(studyId, () => this.startIfReady(studyId))));
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
    // A paused study's open round still runs to its close.
    for (const study of await this.studies.findBy({ status: In(['running', 'paused']) })) {
      await this.serial(study.id, () => this.resume(study.id));
    }
  }

  private async resume(studyId: string): Promise<void> {
    const study = await this.studies.findOneByOrFail({ id: studyId });
    if (study.status !== 'running' && study.status !== 'paused') return;
    const round = await this.rounds.findOneBy({ studyId, status: 'open' });
    if (!round && study.status === 'paused') return;
    if (!round) {
      this.logger.log(`resuming study ${studyId}: no round is open; the next opens when ${study.quorum} clinics are connected`);
      await this.openNextRound(studyId);
      return;
    }
    const lost = this.protocols.for(study).lostAtRestart;
    if (lost) {
      // What the protocol held of the round lived in the stopped process and cannot be rebuilt: the round runs again.
      await this.runner.restartRound(study, round, lost);
      return;
    }
    this.logger.log(`resuming study ${studyId}: round ${round.number} is open`);
    await this.runner.resumeOpen(study, round);
  }

  /** Stops deadlines and task streams, then lets queued study work finish before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.runner.stop();
    this.protocols.discardAll();
    this.hub.closeAll();
    await this.lock.drain();
  }

  // ---- clinics ---------------------------------------------------------------------------------

  /** The clinic's task stream: what it missed first (ClinicTasks), then whatever rounds bring. */
  watchTasks(clinic: ClinicEntity): Observable<ClinicTask> {
    return this.clinicTasks.watch(clinic);
  }

  // ---- studies ---------------------------------------------------------------------------------

  /**
   * A new study as `config` defines it; its name is made unique with a number (` (2)`, ` (3)`...) when
   * another study has it. {@link ensureStudy} resumes a study of the same name instead.
   */
  async createStudy(config: StudyConfig): Promise<StudyEntity> {
    const study = await this.serial(STUDY_NAMES, async () => this.store.createStudy({ ...config, name: await this.freeName(config.name) }));
    await this.studyCreated(study);
    return study;
  }

  /**
   * The study named as `config` names it: created when no study has that name, else the stored one
   * when its settings are the same (starting a coordinator again with `--study` resumes it, whatever
   * its status); refused (FAILED_PRECONDITION) naming every setting that differs.
   */
  async ensureStudy(config: StudyConfig): Promise<{ study: StudyEntity; created: boolean }> {
    // In the creations' queue: two starts of the same study cannot both create it.
    const found = await this.serial(STUDY_NAMES, async () => {
      const existing = await this.studies.findOne({ where: { name: config.name }, order: { createdAt: 'ASC' } });
      return existing ? { study: existing, created: false } : { study: await this.store.createStudy(config), created: true };
    });
    if (found.created) {
      await this.studyCreated(found.study);
      return found;
    }
    const differences = settingsDifferences(storedSettings(found.study), config);
    if (differences.length > 0) {
      throw refuse.precondition(
        `a study named "${config.name}" exists (${found.study.id}, ${found.study.status}) with other settings (${differences.join('; ')}): give the new study another name, or start this one with its own settings`,
      );
    }
    return found;
  }

  /**
   * What the operator should hear about a study not yet started: round 1 waiting for more clinics
   * than are enrolled (and not revoked) and approved for its dataset so far.
   */
  async studyWarnings(study: StudyEntity): Promise<string[]> {
    if (study.status !== 'waiting') return [];
    const enrolled = new Set((await this.keys.enrolled()).map((card) => card.clinicId));
    const approved = [...(await this.approvals.all()).values()].filter((a) => a.dataset === study.dataset && enrolled.has(a.clinicId)).length;
    if (study.minClinics <= approved) return [];
    return [`round 1 waits for ${study.minClinics} clinics serving ${study.dataset}; ${approved} enrolled and approved for it so far`];
  }

  private async studyCreated(study: StudyEntity): Promise<void> {
    this.logger.log(`study ${study.id} created: ${study.name}, ${study.rounds} rounds, waiting for ${study.minClinics} clinics`);
    await this.serial(study.id, () => this.startIfReady(study.id));
  }

  /** `name`, or the first of `name (2)`, `name (3)`... that no study has. */
  private async freeName(name: string): Promise<string> {
    const taken = new Set((await this.studies.find({ select: { name: true } })).map((s) => s.name));
    if (!taken.has(name)) return name;
    for (let n = 2; ; n++) {
      const numbered = `${name.slice(0, STUDY_COLUMN_LIMITS.nameLength - 8)} (${n})`;
      if (!taken.has(numbered)) return numbered;
    }
  }

  /**
   * An operator pauses, resumes or cancels a study (`by` names who, for the audit log), in the
   * study's queue. Pausing lets an open round close; resuming opens the next round (or starts a
   * study that never started, once its clinics are there); cancelling ends the open round without a
   * model version and tells the study's clinics. Refused when the study's status does not allow it.
   */
  async changeStudy(studyId: string, action: LifecycleAction, by = 'the operator'): Promise<StudyEntity> {
    return this.serial(studyId, async () => {
      const study = await this.studies.findOneBy({ id: studyId });
      if (!study) throw refuse.notFound(`study ${studyId} does not exist`);
      const started = await this.rounds.existsBy({ studyId });
      const next = lifecycleTransition(studyId, study.status, action, started);
      if (next === 'cancelled') {
        await this.cancel(study, by);
      } else {
        await this.store.setPaused(study, next as 'paused' | 'running' | 'waiting', by);
        this.logger.log(`study ${studyId} ${action === 'pause' ? 'paused' : 'resumed'} by ${by}`);
        if (next === 'waiting') await this.startIfReady(studyId);
        else if (next === 'running') await this.openNextRound(studyId);
      }
      return study;
    });
  }

  private async cancel(study: StudyEntity, by: string): Promise<void> {
    const open = await this.rounds.findOneBy({ studyId: study.id, status: 'open' });
    if (open) this.runner.discardOpenRound(study, open);
    await this.store.cancelStudy(study, open, by);
    this.logger.warn(`study ${study.id} cancelled by ${by}${open ? ` (round ${open.number} was open)` : ''}`);
    this.runner.finishStudy(study, await this.runner.availableClinics(study));
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
    const available = await this.runner.availableClinics(study);
    const round = this.runner.newRound(study, 1, available);
    if (!round) return;
    await this.store.startStudy(study, round, available);
    this.bus.emit({ type: 'study-started', studyId, clinics: available.length });
    await this.runner.roundOpened(study, round);
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
    const round = this.runner.newRound(study, number, await this.runner.availableClinics(study));
    if (!round) return;
    await this.store.openRound(round);
    await this.runner.roundOpened(study, round);
  }

  /** Ends a running study whose last round already ended (completed, or failed with `error`). */
  private async settleStudy(study: StudyEntity, error: string | null): Promise<void> {
    await this.store.endStudy(study, error);
    this.runner.finishStudy(study, await this.runner.availableClinics(study));
  }

  /** A clinic's update whose header passed UploadValidator.checkHeader (RoundRunner). */
  acceptUpdate(header: UpdateHeader, payload: Buffer): Promise<number> {
    return this.runner.acceptUpdate(header, payload);
  }

  // ---- models and metrics ----------------------------------------------------------------------

  /** A model version as bytes for download (StudyRecords). */
  modelBytes(studyId: string, version: number): Promise<{ study: StudyEntity; bytes: Uint8Array; codec: string; keyId: string }> {
    return this.records.modelBytes(studyId, version);
  }

  studyError(studyId: string): Promise<string | null> {
    return this.records.studyError(studyId);
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /** Runs `work` in the study's lock: after every earlier piece of work of the same study. */
  private serial<T>(studyId: string, work: () => Promise<T>): Promise<T> {
    return this.lock.run(studyId, work);
  }

  private background(work: Promise<unknown>): void {
    inBackground(this.logger, work);
  }
}
