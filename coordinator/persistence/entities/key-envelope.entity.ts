import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { COLUMN_TYPES, epochMillis } from '../columns.js';
import { StudyKeyEntity } from './study-key.entity.js';

/** A study key sealed to one clinic, stored as received (the coordinator cannot open it). */
@Entity('key_envelopes')
@ForeignKey(() => StudyKeyEntity, ['studyId'], ['studyId'])
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

  @Column(COLUMN_TYPES.bytes, { name: 'recipient_box_public_key' })
  recipientBoxPublicKey!: Buffer;

  @Column(COLUMN_TYPES.bytes, { name: 'ephemeral_public_key' })
  ephemeralPublicKey!: Buffer;

  @Column(COLUMN_TYPES.bytes)
  nonce!: Buffer;

  @Column(COLUMN_TYPES.bytes, { name: 'sealed_key' })
  sealedKey!: Buffer;

  @Column(COLUMN_TYPES.bytes)
  signature!: Buffer;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;
}
