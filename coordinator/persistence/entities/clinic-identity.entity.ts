import { Column, Entity, PrimaryColumn } from 'typeorm';
import { COLUMN_TYPES, epochMillis } from '../columns.js';

/** A clinic enrolled by the operator: the public keys that sign its messages and that keys are sealed to. */
@Entity('clinic_identities')
export class ClinicIdentityEntity {
  @PrimaryColumn('varchar', { name: 'clinic_id', length: 128 })
  clinicId!: string;

  /** Ed25519, 32 bytes. */
  @Column(COLUMN_TYPES.bytes, { name: 'sign_public_key' })
  signPublicKey!: Buffer;

  /** X25519, 32 bytes. */
  @Column(COLUMN_TYPES.bytes, { name: 'box_public_key' })
  boxPublicKey!: Buffer;

  @Column('bigint', { name: 'enrolled_at', transformer: epochMillis })
  enrolledAt!: number;

  /** When the operator revoked these keys; a revoked clinic's calls are refused. */
  @Column('bigint', { name: 'revoked_at', nullable: true, transformer: epochMillis })
  revokedAt!: number | null;

  @Column('varchar', { name: 'revocation_reason', length: 512, nullable: true })
  revocationReason!: string | null;
}
