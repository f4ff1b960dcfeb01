import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import type { SubgroupEvaluation } from '../../evaluations/subgroup-facts.js';
import { bigCount, epochMillis } from '../columns.js';
import { ModelVersionEntity } from './model-version.entity.js';
import { ClinicEntity } from './clinic.entity.js';

/** A clinic's evaluation of a model version on its held-out data (aggregates only). */
@Entity('site_metrics')
@ForeignKey(() => ModelVersionEntity, ['studyId', 'modelVersion'], ['studyId', 'version'])
@ForeignKey(() => ClinicEntity, ['clinicId'], ['id'])
export class SiteMetricEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('integer', { name: 'model_version' })
  modelVersion!: number;

  @PrimaryColumn('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  @Column('integer', { name: 'num_test' })
  numTest!: number;

  @Column('integer', { name: 'num_correct' })
  numCorrect!: number;

  @Column('double precision')
  accuracy!: number;

  @Column('double precision')
  loss!: number;

  /** Survival studies: concordance pair counts on the test records (0 for classification). */
  @Column('bigint', { name: 'concordant_pairs', default: 0, transformer: bigCount })
  concordantPairs!: number;

  @Column('bigint', { name: 'discordant_pairs', default: 0, transformer: bigCount })
  discordantPairs!: number;

  @Column('bigint', { name: 'tied_risk_pairs', default: 0, transformer: bigCount })
  tiedRiskPairs!: number;

  /** Harrell's C from the pair counts; null for classification, or when no pair was comparable. */
  @Column('double precision', { name: 'c_index', nullable: true })
  cIndex!: number | null;

  /** Studies whose schema names subgroups: the counts per subgroup level (null when none). */
  @Column('simple-json', { nullable: true })
  subgroups!: SubgroupEvaluation[] | null;

  @Column('bigint', { name: 'reported_at', transformer: epochMillis })
  reportedAt!: number;
}
