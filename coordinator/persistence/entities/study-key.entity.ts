import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';
import { StudyEntity } from './study.entity.js';

/**
 * A study's CKKS key as the coordinator knows it: an identifier and who generated it, never the key.
 * One per study: a new study means a new key ceremony.
 */
@Entity('study_keys')
@ForeignKey(() => StudyEntity, ['studyId'], ['id'])
export class StudyKeyEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @Column('varchar', { name: 'key_id', length: 64 })
  keyId!: string;

  @Column('varchar', { name: 'parameter_set', length: 64 })
  parameterSet!: string;

  @Column('varchar', { name: 'generated_by', length: 128 })
  generatedBy!: string;

  @Column('bigint', { name: 'created_at', transformer: epochMillis })
  createdAt!: number;
}
