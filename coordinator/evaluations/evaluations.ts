import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource, Repository } from 'typeorm';
import { studyDataset } from '../../common/datasets.js';
import { refuse } from '../../common/errors.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import type { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { SiteMetricEntity } from '../persistence/entities/site-metric.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { RoundStore } from '../rounds/round-store.js';
import { checkSentToEvaluate, evaluationFacts, type SiteEvaluation } from './evaluation-facts.js';

export type { SiteEvaluation } from './evaluation-facts.js';
export type { SubgroupEvaluation } from './subgroup-facts.js';

/** How long after a study's end a reconnecting clinic still gets the final evaluation and end it missed. */
const RECENTLY_FINISHED_MS = 60 * 60_000;

/** An evaluation the clinic owes: the study and the model version to evaluate. */
export interface OwedEvaluation {
  study: StudyEntity;
  version: number;
}

/**
 * Per-site metrics of model versions: recorded as clinics report them (with an audit event for the
 * first report of each), and the evaluations a reconnecting clinic still owes.
 */
@Injectable()
export class Evaluations {
  private readonly recordedSubject = new Subject<SiteEvaluation>();
  /** Each evaluation after it committed. */
  readonly recorded$ = this.recordedSubject.asObservable();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    private readonly registry: ClinicRegistry,
    private readonly store: RoundStore,
  ) {}

  /**
   * Records a clinic's evaluation as a fact: only from an approved clinic that was sent that model
   * version, on no more test records than approved, with the accuracy its counts give; a report
   * once stored cannot change (the same one again is acknowledged).
   */
  async record(report: SiteEvaluation): Promise<void> {
    const { approval } = await this.registry.requireApproved(report.clinicId);
    if (!(await this.models.existsBy({ studyId: report.studyId, version: report.modelVersion }))) {
      throw refuse.notFound(`study "${report.studyId}" has no model version ${report.modelVersion}`);
    }
    const round = await this.rounds.findOneBy({ studyId: report.studyId, number: report.modelVersion });
    checkSentToEvaluate(report.clinicId, round, report.studyId, report.modelVersion);
    const study = await this.studies.findOneByOrFail({ id: report.studyId });
    const facts = evaluationFacts(report, approval.numTest, studyDataset(study).task, study.schema);
    if (await this.store.recordEvaluation(facts)) this.recordedSubject.next(facts);
  }

  /**
   * For each study whose latest closed round the clinic took part in, if its metrics of that model
   * version never arrived: that version (the EVALUATE task, and for an ended study its STUDY_FINISHED,
   * went out right after the commit that closed the round, so a stop in between lost both). Ended
   * studies count for an hour after their end; later, a missing evaluation stays missing.
   */
  async owedBy(clinic: ClinicEntity): Promise<OwedEvaluation[]> {
    const owed: OwedEvaluation[] = [];
    const studies = await this.studies.findBy({ dataset: clinic.dataset });
    const recent = studies.filter((study) => study.status === 'running' || (study.finishedAt !== null && study.finishedAt > Date.now() - RECENTLY_FINISHED_MS));
    for (const study of recent) {
      const last = await this.rounds.findOne({ where: { studyId: study.id, status: 'closed' }, order: { number: 'DESC' } });
      if (!last?.participants.includes(clinic.id)) continue;
      if (await this.db.manager.existsBy(SiteMetricEntity, { studyId: study.id, modelVersion: last.number, clinicId: clinic.id })) continue;
      owed.push({ study, version: last.number });
    }
    return owed;
  }
}
