import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { COLUMN_TYPES, epochMillis, float32Blob } from '../columns.js';
import { StudyEntity } from './study.entity.js';

/**
 * A study's model after a round (version 0: the initial model). Plain studies store the global
 * parameters and the strategy's state; encrypted studies (privacy `he`) store the round's CKKS sum,
 * which only clinics can decrypt and turn into parameters.
 */
@Entity('model_versions')
@ForeignKey(() => StudyEntity, ['studyId'], ['id'])
export class ModelVersionEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('integer')
  version!: number;

  /** Global parameters; null for an encrypted version. */
  @Column(COLUMN_TYPES.bytes, { nullable: true, transformer: float32Blob })
  parameters!: Float32Array | null;

  /** How the version downloads: `plain-f32`, or the CKKS codec of an encrypted sum. */
  @Column('varchar', { length: 64, default: 'plain-f32' })
  codec!: string;

  /** Encrypted versions: the key the sum is encrypted under. */
  @Column('varchar', { name: 'key_id', length: 64, nullable: true })
  keyId!: string | null;

  /** Encrypted versions: the CKKS sum of the round's weighted updates and weights, as downloaded. */
  @Column(COLUMN_TYPES.bytes, { nullable: true })
  payload!: Buffer | null;

  /** Strategy state as named float32 vectors concatenated in `stateLayout` order. */
  @Column(COLUMN_TYPES.bytes, { name: 'strategy_state', nullable: true, transformer: float32Blob })
  strategyState!: Float32Array | null;

  @Column('simple-json', { name: 'state_layout', nullable: true })
  stateLayout!: string[] | null;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;
}
