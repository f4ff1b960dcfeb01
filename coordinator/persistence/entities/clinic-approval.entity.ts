import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/**
 * What the operator approved of an enrolled clinic: the one site it serves and at most how many
 * training and test records it holds. Registrations and updates are checked against it.
 */
@Entity('clinic_approvals')
export class ClinicApprovalEntity {
  @PrimaryColumn('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  @Column('varchar', { length: 64 })
  dataset!: string;

  @Column('varchar', { length: 64 })
  site!: string;

  @Column('integer', { name: 'num_train' })
  numTrain!: number;

  @Column('integer', { name: 'num_test' })
  numTest!: number;

  /** `operator`: the operator gave the figures; `declaration`: the operator approved what the clinic registered with. */
  @Column('varchar', { length: 16 })
  source!: 'operator' | 'declaration';

  @Column('bigint', { name: 'approved_at', transformer: epochMillis })
  approvedAt!: number;
}
