import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/**
 * A signed call's nonce, kept until its timestamp leaves the acceptance window: a replay inside the
 * window finds it here (also after a restart); one outside is refused by its timestamp.
 */
@Entity('request_nonces')
@Index('request_nonces_expiry', ['expiresAt'])
export class RequestNonceEntity {
  @PrimaryColumn('varchar', { length: 32 })
  nonce!: string;

  @Column('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  @Column('bigint', { name: 'expires_at', transformer: epochMillis })
  expiresAt!: number;
}
