import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis, float32Blob } from '../columns.js';

/** Global parameters after a round (version 0: the initial model) and the strategy's state then. */
@Entity('model_versions')
export class ModelVersionEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('blob', { transformer: float32Blob })
  parameters!: Float32Array;

  /** Strategy state as named float32 vectors concatenated in `stateLayout` order. */
  @Column('blob', { name: 'strategy_state', nullable: true, transformer: float32Blob })
  strategyState!: Float32Array | null;

  @Column('simple-json', { name: 'state_layout', nullable: true })
  stateLayout!: string[] | null;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;
}
