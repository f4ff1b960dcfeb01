import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/**
 * A clinic's signed privacy-ledger entry as the clinic sent it: the exact JSON text (what the
 * signature and the chain cover) plus the fields the coordinator queries by.
 */
@Entity('ledger_entries')
@Index('ledger_entries_study_round', ['studyId', 'round'])
export class LedgerEntryEntity {
  @PrimaryColumn('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  @PrimaryColumn('integer')
  seq!: number;

  @Column('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @Column('integer')
  round!: number;

  /** `spend` or `refusal`. */
  @Column('varchar', { length: 16 })
  kind!: string;

  /** sha256 of the entry, what the next entry's prevHash must be. */
  @Column('varchar', { length: 64 })
  hash!: string;

  @Column('text')
  body!: string;

  @Column('bigint', { name: 'received_at', transformer: epochMillis })
  receivedAt!: number;
}
