import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/** A clinic's evaluation of a model version on its held-out data (aggregates only). */
@Entity('site_metrics')
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

  @Column('bigint', { name: 'reported_at', transformer: epochMillis })
  reportedAt!: number;
}
