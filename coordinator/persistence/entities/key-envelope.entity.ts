import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';

/** A study key sealed to one clinic, stored as received (the coordinator cannot open it). */
@Entity('key_envelopes')
export class KeyEnvelopeEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('varchar', { name: 'recipient_clinic_id', length: 128 })
  recipientClinicId!: string;

  @Column('varchar', { name: 'key_id', length: 64 })
  keyId!: string;

  @Column('varchar', { name: 'parameter_set', length: 64 })
  parameterSet!: string;

  @Column('varchar', { name: 'sender_clinic_id', length: 128 })
  senderClinicId!: string;

  @Column('blob', { name: 'recipient_box_public_key' })
  recipientBoxPublicKey!: Buffer;

  @Column('blob', { name: 'ephemeral_public_key' })
  ephemeralPublicKey!: Buffer;

  @Column('blob')
  nonce!: Buffer;

  @Column('blob', { name: 'sealed_key' })
  sealedKey!: Buffer;

  @Column('blob')
  signature!: Buffer;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;
}
