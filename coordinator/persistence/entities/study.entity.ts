import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ModelSpec } from '../../../common/model-spec.js';
import type { StrategyConfig } from '../../../strategies/index.js';
import type { StudySchema } from '../../../common/schema/index.js';
import type { DpSettings, EncryptionSettings, Preprocessing, SecAggSettings, TrainingSettings } from '../../config/study-config.js';
import { epochMillis } from '../columns.js';

/** `paused`: no round opens until resumed; `cancelled` by an operator, like `completed` and `failed` for good. */
export type StudyStatus = 'waiting' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** A study: what to train, how to aggregate, and where it stands. */
@Entity('studies')
export class StudyEntity {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 128 })
  name!: string;

  @Column('varchar', { length: 64 })
  dataset!: string;

  /** The consortium's study schema when the study is on its own data (`dataset` is then `<name>@<fingerprint>`). */
  @Column('simple-json', { nullable: true })
  schema!: StudySchema | null;

  /** With a schema: `federated` or `site` (StudyConfig.preprocessing). */
  @Column('varchar', { length: 16, nullable: true })
  preprocessing!: Preprocessing | null;

  @Column('simple-json')
  model!: ModelSpec;

  @Column('simple-json')
  strategy!: StrategyConfig;

  @Column('simple-json')
  training!: TrainingSettings;

  @Column('varchar', { length: 16 })
  privacy!: string;

  /** CKKS settings when `privacy` is `he` or `he+dp`. */
  @Column('simple-json', { nullable: true })
  encryption!: EncryptionSettings | null;

  /** DP-SGD target when `privacy` is `dp` or `he+dp`. */
  @Column('simple-json', { nullable: true })
  dp!: DpSettings | null;

  /** Secure-aggregation settings when `privacy` is `secagg` or `secagg+dp`. */
  @Column('simple-json', { nullable: true })
  secagg!: SecAggSettings | null;

  @Column('integer')
  rounds!: number;

  @Column('integer')
  quorum!: number;

  @Column('integer', { name: 'min_clinics' })
  minClinics!: number;

  @Column('integer', { name: 'round_timeout_ms' })
  roundTimeoutMs!: number;

  @Column('integer')
  seed!: number;

  @Column('varchar', { length: 16 })
  status!: StudyStatus;

  @Column('text', { nullable: true })
  error!: string | null;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;

  @Column('bigint', { name: 'finished_at', nullable: true, transformer: epochMillis })
  finishedAt!: number | null;
}
