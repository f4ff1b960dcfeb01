import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/** A clinic node as it last registered: which dataset and site it serves and how many records. */
@Entity('clinics')
export class ClinicEntity {
  @PrimaryColumn('varchar', { length: 128 })
  id!: string;

  @Column('varchar', { length: 64 })
  dataset!: string;

  @Column('varchar', { length: 64 })
  site!: string;

  @Column('integer', { name: 'num_train' })
  numTrain!: number;

  @Column('integer', { name: 'num_test' })
  numTest!: number;

  @Column('varchar', { name: 'node_version', length: 32 })
  nodeVersion!: string;

  @Column('bigint', { name: 'registered_at', transformer: epochMillis })
  registeredAt!: number;
}
