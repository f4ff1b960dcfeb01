import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { epochMillis } from '../columns.js';
import { StudyEntity } from './study.entity.js';

/** `cancelled`: open when its study was cancelled; no model version came of it. */
export type RoundStatus = 'open' | 'closed' | 'failed' | 'cancelled';

/** One round of a study: who was asked to train, until when, and how it ended. */
@Entity('rounds')
@ForeignKey(() => StudyEntity, ['studyId'], ['id'])
export class RoundEntity {
  @PrimaryColumn('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  @PrimaryColumn('integer')
  number!: number;

  /**
   * Which run of the round: 0, one more each time a coordinator restart found this secure-aggregation
   * round open and ran it again with fresh keys. Always 0 for other rounds.
   */
  @Column('integer', { default: 0 })
  attempt!: number;

  @Column('varchar', { length: 16 })
  status!: RoundStatus;

  @Column('simple-json')
  participants!: string[];

  @Column('bigint', { name: 'opened_at', transformer: epochMillis })
  openedAt!: number;

  @Column('bigint', { name: 'deadline_at', transformer: epochMillis })
  deadlineAt!: number;

  @Column('bigint', { name: 'closed_at', nullable: true, transformer: epochMillis })
  closedAt!: number | null;

  /**
   * The clinics sent the model version this round produced to evaluate (those available when it
   * closed); an evaluation of that version is taken only from them or the round's participants.
   * Null for rounds still open, failed, or closed before this was recorded.
   */
  @Column('simple-json', { nullable: true })
  evaluators!: string[] | null;

  /** Why the round closed or failed, for people reading the study. */
  @Column('text', { nullable: true })
  outcome!: string | null;
}
