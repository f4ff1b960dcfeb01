import { Injectable } from '@nestjs/common';
import { refuse } from '../../common/errors.js';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { initialParameters } from '../../common/model-spec.js';
import { plainFloat32Codec } from '../../crypto/index.js';
import type { StudyConfig } from '../config/study-config.js';
import { AuditEventEntity, auditEvent, type AuditRow } from '../persistence/entities/audit-event.entity.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { SiteMetricEntity } from '../persistence/entities/site-metric.entity.js';
import { describeEvaluation } from '../evaluations/evaluation-facts.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { inTransaction } from '../persistence/transactions.js';
import { plainContent, type ModelVersionContent } from '../protocols/update-protocol.js';

/** An update as stored: who sent it for which round, what it declared, and its bytes. */
export interface UpdateToStore {
  studyId: string;
  round: number;
  clinicId: string;
  numSamples: number;
  trainLoss: number;
  codec: string;
  payload: Buffer;
  /** SHA-256 of the payload, hex. */
  sha256: string;
}

/** How a round closes: its outcome, its model version, and what follows it. */
export interface RoundClosing {
  outcome: string;
  version: ModelVersionEntity;
  /** Updates the round held, for the audit event. */
  updates: number;
  /** The clinics sent the new version to evaluate. */
  evaluators: string[];
  /** The next round, opened in the same transaction; null for the last round or while too few clinics are connected. */
  next: RoundEntity | null;
}

/**
 * Every state change of a study, each with its audit event in one transaction: a crash leaves either
 * both or neither, so the audit log is exactly what happened. The entities passed in are updated to
 * what was written; callers announce a change (tasks, events) only after its method returned.
 */
@Injectable()
export class RoundStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A new study as `config` defines it, waiting for its clinics, with its model version 0 (the initial parameters). */
  async createStudy(config: StudyConfig): Promise<StudyEntity> {
    const study = this.db.getRepository(StudyEntity).create({
      id: randomUUID(),
      name: config.name,
      dataset: config.dataset,
      schema: config.schema,
      preprocessing: config.preprocessing,
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
    const initial = this.modelVersion(study.id, 0, plainContent(plainFloat32Codec.name, initialParameters(study.model, study.seed), null));
    await inTransaction(this.db, async (tx) => {
      await tx.save(study);
      await tx.save(initial);
    });
    return study;
  }

  /** A model version's row, to store with {@link closeRound}. */
  modelVersion(studyId: string, version: number, content: ModelVersionContent): ModelVersionEntity {
    return this.db.getRepository(ModelVersionEntity).create({ studyId, version, ...content, createdAt: Date.now() });
  }

  /** A waiting study starts with its round 1, asking `clinics`. */
  async startStudy(study: StudyEntity, first: RoundEntity, clinics: string[]): Promise<void> {
    study.status = 'running';
    await inTransaction(this.db, async (tx) => {
      await tx.update(StudyEntity, { id: study.id }, { status: 'running' });
      await tx.insert(RoundEntity, first);
      await tx.insert(AuditEventEntity, [auditEvent('study-started', { studyId: study.id }, { clinics }), roundOpenedAudit(first)]);
    });
  }

  /** A running study's next round opens on its own (not in the transaction closing the round before it). */
  async openRound(round: RoundEntity): Promise<void> {
    await inTransaction(this.db, async (tx) => {
      await tx.insert(RoundEntity, round);
      await tx.insert(AuditEventEntity, roundOpenedAudit(round));
    });
  }

  /** Stores an update and its audit event; answers the round's update count. `expected` is the number of clinics asked. */
  async storeUpdate(update: UpdateToStore, expected: number, attempt: number): Promise<number> {
    const { studyId, round, clinicId } = update;
    return inTransaction(this.db, async (tx) => {
      await tx.insert(ReceivedUpdateEntity, { ...update, receivedAt: Date.now() });
      const received = await tx.countBy(ReceivedUpdateEntity, { studyId, round });
      await tx.insert(
        AuditEventEntity,
        // A restarted secure-aggregation round's attempt keys its events apart from the earlier attempt's.
        auditEvent(
          'update-received',
          { studyId, round, clinicId, attempt },
          {
            numSamples: update.numSamples,
            codec: update.codec,
            bytes: update.payload.length,
            sha256: update.sha256,
            received,
            expected,
            ...(attempt > 0 ? { attempt } : {}),
          },
        ),
      );
      return received;
    });
  }

  /** The audit event of a clinic's refusal, once (the ledger entry itself committed in the ledger's transaction); true if it is new. */
  recordRefusal(round: RoundEntity, clinicId: string, reason: string): Promise<boolean> {
    return this.recordOnce('round-refused', round, clinicId, reason);
  }

  /**
   * The audit event of an asked clinic's update refused for what it claimed (UploadValidator), once:
   * the round's machine counts it as the clinic's answer (RoundMachines); true if it is new.
   */
  recordRejection(round: RoundEntity, clinicId: string, reason: string): Promise<boolean> {
    return this.recordOnce('update-rejected', round, clinicId, reason);
  }

  /** A clinic's audit event of `type` in `round` with its reason, unless already recorded; true if it is new. */
  private recordOnce(type: 'round-refused' | 'update-rejected', round: RoundEntity, clinicId: string, reason: string): Promise<boolean> {
    const row = auditEvent(type, { studyId: round.studyId, round: round.number, clinicId }, { reason });
    return inTransaction(this.db, async (tx) => {
      if (await tx.existsBy(AuditEventEntity, { naturalKey: row.naturalKey })) return false;
      await tx.insert(AuditEventEntity, row);
      return true;
    });
  }

  /**
   * Stores a clinic's metrics of a model version (already validated) with its audit event; answers
   * whether it was new. The same report sent again is acknowledged without a change (false); a
   * different second report of the version is refused (ALREADY_EXISTS): a stored report is immutable.
   */
  async recordEvaluation(report: Omit<SiteMetricEntity, 'reportedAt'>): Promise<boolean> {
    const { studyId, modelVersion, clinicId } = report;
    const where = { studyId, modelVersion, clinicId };
    return inTransaction(this.db, async (tx) => {
      const stored = await tx.findOneBy(SiteMetricEntity, where);
      if (stored) {
        // A report is a fact once stored: the same one sent again (its acknowledgement lost) is acknowledged, another refused.
        if (sameEvaluation(stored, report)) return false;
        throw refuse.duplicate(
          `clinic ${clinicId} already reported its evaluation of model version ${modelVersion} of study ${studyId} (${describeEvaluation(stored)}): a report cannot be changed`,
        );
      }
      await tx.insert(SiteMetricEntity, { ...report, reportedAt: Date.now() });
      await tx.insert(AuditEventEntity, auditEvent('evaluation', { studyId, round: modelVersion, clinicId }, evaluationDetail(report)));
      return true;
    });
  }

  /**
   * A round closes: its model version, its end, and either the study's end (its last round) or the
   * next round's opening, with their audit events.
   */
  async closeRound(study: StudyEntity, round: RoundEntity, { outcome, version, updates, evaluators, next }: RoundClosing): Promise<void> {
    const last = round.number === study.rounds;
    round.status = 'closed';
    round.closedAt = Date.now();
    round.outcome = outcome;
    round.evaluators = evaluators;
    if (last) {
      study.status = 'completed';
      study.finishedAt = round.closedAt;
    }
    await inTransaction(this.db, async (tx) => {
      await tx.insert(ModelVersionEntity, version);
      await tx.update(RoundEntity, { studyId: study.id, number: round.number }, { status: round.status, closedAt: round.closedAt, outcome, evaluators });
      const audit: AuditRow[] = [auditEvent('round-closed', { studyId: study.id, round: round.number }, { outcome, updates, modelVersion: version.version })];
      if (last) {
        await tx.update(StudyEntity, { id: study.id }, { status: study.status, finishedAt: study.finishedAt });
        audit.push(auditEvent('study-finished', { studyId: study.id }, { status: study.status, error: null }));
      }
      if (next) {
        await tx.insert(RoundEntity, next);
        audit.push(roundOpenedAudit(next));
      }
      await tx.insert(AuditEventEntity, audit);
    });
  }

  /** A round fails, and its study with it. */
  async failRound(study: StudyEntity, round: RoundEntity, outcome: string): Promise<void> {
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
  }

  /** Ends a running study whose last round already ended (completed, or failed with `error`). */
  async endStudy(study: StudyEntity, error: string | null): Promise<void> {
    study.status = error ? 'failed' : 'completed';
    study.error = error;
    study.finishedAt = Date.now();
    await inTransaction(this.db, async (tx) => {
      await tx.update(StudyEntity, { id: study.id }, { status: study.status, error, finishedAt: study.finishedAt });
      await tx.insert(AuditEventEntity, auditEvent('study-finished', { studyId: study.id }, { status: study.status, error }));
    });
  }

  /**
   * An operator paused or resumed the study: its new status with a `study-paused` or `study-resumed`
   * audit event (numbered, a study may pause many times), in one transaction.
   */
  async setPaused(study: StudyEntity, status: 'paused' | 'running' | 'waiting', by: string): Promise<void> {
    const type = status === 'paused' ? 'study-paused' : 'study-resumed';
    await inTransaction(this.db, async (tx) => {
      const entry = (await tx.countBy(AuditEventEntity, { studyId: study.id, type })) + 1;
      await tx.update(StudyEntity, { id: study.id }, { status });
      await tx.insert(AuditEventEntity, auditEvent(type, { studyId: study.id, entry }, { from: study.status, to: status, by }));
    });
    study.status = status;
  }

  /**
   * An operator cancelled the study: its open round (if any) ends as `cancelled` without a model
   * version, and the study with it, with their audit events, in one transaction.
   */
  async cancelStudy(study: StudyEntity, open: RoundEntity | null, by: string): Promise<void> {
    const now = Date.now();
    const outcome = `cancelled by ${by}`;
    await inTransaction(this.db, async (tx) => {
      const audit: AuditRow[] = [];
      if (open) {
        await tx.update(RoundEntity, { studyId: study.id, number: open.number }, { status: 'cancelled', closedAt: now, outcome });
        audit.push(auditEvent('round-cancelled', { studyId: study.id, round: open.number }, { outcome }));
      }
      await tx.update(StudyEntity, { id: study.id }, { status: 'cancelled', error: null, finishedAt: now });
      audit.push(auditEvent('study-finished', { studyId: study.id }, { status: 'cancelled', error: null, by }));
      await tx.insert(AuditEventEntity, audit);
    });
    if (open) Object.assign(open, { status: 'cancelled', closedAt: now, outcome });
    Object.assign(study, { status: 'cancelled', error: null, finishedAt: now });
  }

  /**
   * An open round runs again as attempt `attempt` (its machine's restart) with a fresh deadline: its
   * stored updates are deleted; answers how many were.
   */
  async restartRound(round: RoundEntity, attempt: number, deadlineAt: number, reason: string): Promise<number> {
    const previous = round.attempt;
    const where = { studyId: round.studyId, round: round.number };
    return inTransaction(this.db, async (tx) => {
      const discarded = await tx.countBy(ReceivedUpdateEntity, where);
      await tx.delete(ReceivedUpdateEntity, where);
      round.attempt = attempt;
      round.deadlineAt = deadlineAt;
      await tx.update(RoundEntity, { studyId: round.studyId, number: round.number }, { attempt: round.attempt, deadlineAt: round.deadlineAt });
      await tx.insert(
        AuditEventEntity,
        auditEvent(
          'round-restarted',
          { studyId: round.studyId, round: round.number, attempt: round.attempt },
          {
            reason,
            attempt: round.attempt,
            previousAttempt: previous,
            discardedMaskedInputs: discarded,
            participants: round.participants,
            deadlineAt: round.deadlineAt,
          },
        ),
      );
      return discarded;
    });
  }
}

function roundOpenedAudit(round: RoundEntity): AuditRow {
  return auditEvent('round-opened', { studyId: round.studyId, round: round.number }, { participants: round.participants, deadlineAt: round.deadlineAt });
}

const EVALUATION_FIELDS = ['numTest', 'numCorrect', 'accuracy', 'loss', 'concordantPairs', 'discordantPairs', 'tiedRiskPairs', 'cIndex'] as const;

function sameEvaluation(a: Omit<SiteMetricEntity, 'reportedAt'>, b: Omit<SiteMetricEntity, 'reportedAt'>): boolean {
  return EVALUATION_FIELDS.every((field) => a[field] === b[field]) && JSON.stringify(a.subgroups ?? null) === JSON.stringify(b.subgroups ?? null);
}

/** The audit event's detail: a classification's counts, or a survival model's concordance. */
function evaluationDetail(report: Omit<SiteMetricEntity, 'reportedAt'>): Record<string, number | null> {
  const { accuracy, loss, numTest, numCorrect, concordantPairs, discordantPairs, tiedRiskPairs, cIndex } = report;
  if (cIndex === null && concordantPairs + discordantPairs + tiedRiskPairs === 0) return { accuracy, loss, numTest, numCorrect };
  return { cIndex, loss, numTest, concordantPairs, discordantPairs, tiedRiskPairs };
}
