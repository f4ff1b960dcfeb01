import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { COLUMN_TYPES, epochMillis } from '../columns.js';
import { RoundEntity } from './round.entity.js';
import { ClinicEntity } from './clinic.entity.js';

/** An update as received, encoded by its codec; at most one per clinic and round (the primary key). */
@Entity('received_updates')
@ForeignKey(() => RoundEntity, ['studyId', 'round'], ['studyId', 'number'])
@ForeignKey(() => ClinicEntity, ['clinicId'], ['id'])
export class ReceivedUpdateEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('integer')
  round!: number;

  @PrimaryColumn('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  @Column('integer', { name: 'num_samples' })
  numSamples!: number;

  @Column('double precision', { name: 'train_loss' })
  trainLoss!: number;

  @Column('varchar', { length: 32 })
  codec!: string;

  @Column(COLUMN_TYPES.bytes)
  payload!: Buffer;

  @Column('varchar', { length: 64 })
  sha256!: string;

  @Column('bigint', { name: 'received_at', transformer: epochMillis })
  receivedAt!: number;
}
