import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type Repository } from 'typeorm';
import { parameterCount } from '../../common/model-spec.js';
import { studyDataset, type Task } from '../../common/datasets.js';
import { concordanceIndexOrNull } from '../../survival/index.js';
import { subgroupViews, type SubgroupGap, type SubgroupLevelView } from './subgroup-view.js';
import { AuditEventEntity } from '../persistence/entities/audit-event.entity.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { LedgerEntryEntity } from '../persistence/entities/ledger-entry.entity.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { SiteMetricEntity } from '../persistence/entities/site-metric.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';

export interface SiteMetricView {
  clinic: string;
  site: string | null;
  numTest: number;
  /** Classification studies: correct / test records (0 for survival studies). */
  accuracy: number;
  /** Survival studies: Harrell's C on the site's test records (null for classification, or with no comparable pair). */
  cIndex: number | null;
  /** The mean loss on the site's test records (a regression's mean squared error). */
  loss: number;
  /** Regression studies: the root mean squared error on the site's test records, sqrt(loss); null otherwise. */
  rmse: number | null;
}

export interface RoundView {
  number: number;
  status: string;
  participants: string[];
  openedAt: string;
  deadlineAt: string;
  closedAt: string | null;
  outcome: string | null;
  updates: { clinic: string; numSamples: number; trainLoss: number; receivedAt: string }[];
  /** Clinics that declined the round in their signed privacy ledger, and why. */
  refusals: { clinic: string; reason: string }[];
  /** Evaluations of the model this round produced, one per clinic. */
  metrics: SiteMetricView[];
  /** Accuracy over the union of the reporting sites' test sets. */
  pooledAccuracy: number | null;
  /** Survival studies: Harrell's C from every site's pair counts together (pairs within a site); null otherwise. */
  pooledCIndex: number | null;
  /** Regression studies: the root mean squared error over every reporting site's test records together; null otherwise. */
  pooledRmse: number | null;
  /** Studies whose schema names subgroups: each level's metric pooled over the sites that reported it (none below the study's minimum size). */
  subgroups: SubgroupLevelView[];
  /** The largest difference of the metric between two levels of one subgroup; null without two scored levels. */
  largestSubgroupGap: SubgroupGap | null;
}

/** One event of a study's durable audit log. */
export interface AuditEventView {
  seq: number;
  type: string;
  /** The round, or for `evaluation` the model version; null for study-wide events. */
  round: number | null;
  clinic: string | null;
  detail: Record<string, unknown>;
  at: string;
}

/** Read-only views of studies for the HTTP API. */
@Injectable()
export class StudiesService {
  constructor(
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    @InjectRepository(SiteMetricEntity) private readonly metrics: Repository<SiteMetricEntity>,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    @InjectRepository(ClinicEntity) private readonly clinics: Repository<ClinicEntity>,
    @InjectRepository(LedgerEntryEntity) private readonly ledger: Repository<LedgerEntryEntity>,
    @InjectRepository(AuditEventEntity) private readonly audit: Repository<AuditEventEntity>,
  ) {}

  async list() {
    const studies = await this.studies.find({ order: { createdAt: 'DESC' } });
    return studies.map((s) => ({
      id: s.id,
      name: s.name,
      dataset: s.dataset,
      privacy: s.privacy,
      status: s.status,
      rounds: s.rounds,
      createdAt: iso(s.createdAt),
    }));
  }

  async find(id: string): Promise<StudyEntity | null> {
    return this.studies.findOneBy({ id });
  }

  async detail(study: StudyEntity) {
    const [rounds, updates, metrics, clinics] = await Promise.all([
      this.rounds.find({ where: { studyId: study.id }, order: { number: 'ASC' } }),
      // Payloads stay in the database: the view lists who sent what, not the bytes.
      this.updates.find({ where: { studyId: study.id }, select: ['round', 'clinicId', 'numSamples', 'trainLoss', 'receivedAt'] }),
      this.metrics.find({ where: { studyId: study.id }, order: { clinicId: 'ASC' } }),
      this.clinics.find(),
    ]);
    const refusals = (await this.ledger.find({ where: { studyId: study.id, kind: 'refusal' }, order: { clinicId: 'ASC' } })).map((row) => ({
      round: row.round,
      clinic: row.clinicId,
      reason: (JSON.parse(row.body) as { reason: string }).reason,
    }));
    const siteOf = new Map(clinics.map((c) => [c.id, c.site]));
    const { task } = studyDataset(study);
    return {
      id: study.id,
      name: study.name,
      dataset: study.dataset,
      schema: study.schema,
      preprocessing: study.preprocessing,
      status: study.status,
      error: study.error,
      model: { ...study.model, numParameters: parameterCount(study.model) },
      strategy: study.strategy,
      training: study.training,
      privacy: study.privacy,
      encryption: study.encryption,
      dp: study.dp,
      rounds: study.rounds,
      quorum: study.quorum,
      minClinics: study.minClinics,
      roundTimeoutS: study.roundTimeoutMs / 1000,
      seed: study.seed,
      createdAt: iso(study.createdAt),
      finishedAt: study.finishedAt === null ? null : iso(study.finishedAt),
      roundHistory: rounds.map((round): RoundView => {
        const roundMetrics = metrics.filter((m) => m.modelVersion === round.number);
        const tested = roundMetrics.reduce((n, m) => n + m.numTest, 0);
        return {
          number: round.number,
          status: round.status,
          participants: round.participants,
          openedAt: iso(round.openedAt),
          deadlineAt: iso(round.deadlineAt),
          closedAt: round.closedAt === null ? null : iso(round.closedAt),
          outcome: round.outcome,
          updates: updates
            .filter((u) => u.round === round.number)
            .map((u) => ({ clinic: u.clinicId, numSamples: u.numSamples, trainLoss: u.trainLoss, receivedAt: iso(u.receivedAt) })),
          refusals: refusals.filter((r) => r.round === round.number).map(({ clinic, reason }) => ({ clinic, reason })),
          metrics: roundMetrics.map((m) => ({
            clinic: m.clinicId,
            site: siteOf.get(m.clinicId) ?? null,
            numTest: m.numTest,
            accuracy: m.accuracy,
            cIndex: m.cIndex,
            loss: m.loss,
            rmse: task === 'regression' ? Math.sqrt(m.loss) : null,
          })),
          pooledAccuracy: tested > 0 && task !== 'regression' ? roundMetrics.reduce((n, m) => n + m.numCorrect, 0) / tested : null,
          pooledCIndex: pooledConcordance(roundMetrics),
          // Each site's mean squared error weighted by its test records is the pooled one.
          pooledRmse: tested > 0 && task === 'regression' ? Math.sqrt(roundMetrics.reduce((sum, m) => sum + m.loss * m.numTest, 0) / tested) : null,
          ...subgroupsOf(roundMetrics, task),
        };
      }),
    };
  }

  /** The study's audit events in commit order, after `after` (a seq, for polling), at most `limit`. */
  async events(studyId: string, after: number, limit: number): Promise<AuditEventView[]> {
    const rows = await this.audit.find({ where: { studyId, seq: MoreThan(after) }, order: { seq: 'ASC' }, take: limit });
    return rows.map((row) => ({ seq: row.seq, type: row.type, round: row.round, clinic: row.clinicId, detail: row.detail, at: iso(row.at) }));
  }

  async modelVersion(studyId: string, version: number): Promise<ModelVersionEntity | null> {
    return this.models.findOneBy({ studyId, version });
  }

  /** The newest model version's number (a study has version 0 from its creation). */
  async latestVersion(studyId: string): Promise<number> {
    const newest = await this.models.findOne({ where: { studyId }, order: { version: 'DESC' }, select: { version: true } });
    return newest?.version ?? 0;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Harrell's C over the sites' pair counts added together, or null when none has a comparable pair (or the study classifies). */
function pooledConcordance(metrics: readonly SiteMetricEntity[]): number | null {
  const total = { concordant: 0, discordant: 0, tiedRisk: 0 };
  for (const m of metrics) {
    total.concordant += m.concordantPairs;
    total.discordant += m.discordantPairs;
    total.tiedRisk += m.tiedRiskPairs;
  }
  return concordanceIndexOrNull(total);
}

/** A study as GET /studies/:id shows it. */
export type StudyView = Awaited<ReturnType<StudiesService['detail']>>;

/** A round's subgroup levels over its sites' reports, and the largest gap between levels. */
function subgroupsOf(metrics: readonly SiteMetricEntity[], task: Task): Pick<RoundView, 'subgroups' | 'largestSubgroupGap'> {
  const { subgroups, largestGap } = subgroupViews(
    metrics.map((m) => ({ clinic: m.clinicId, subgroups: m.subgroups ?? [] })),
    task,
  );
  return { subgroups, largestSubgroupGap: largestGap };
}
