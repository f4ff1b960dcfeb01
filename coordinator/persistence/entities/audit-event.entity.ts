import { Column, Entity, Index, PrimaryGeneratedColumn, type QueryDeepPartialEntity } from 'typeorm';
import { epochMillis } from '../columns.js';

/** What the audit log records; every type is written in the transaction of the change it describes. */
export type AuditEventType =
  | 'study-started'
  | 'round-opened'
  | 'update-received'
  | 'round-refused'
  | 'update-rejected'
  | 'round-restarted'
  | 'round-closed'
  | 'round-failed'
  | 'evaluation'
  | 'study-finished'
  | 'study-paused'
  | 'study-resumed'
  | 'round-cancelled'
  | 'ledger-entry';

/**
 * One event of the coordinator's durable audit log, append-only. `naturalKey` names what happened
 * (type, study, round, clinic) and is unique, so a replay after a crash can never record it twice.
 */
@Entity('audit_events')
@Index('audit_events_study', ['studyId', 'seq'])
export class AuditEventEntity {
  /** Order of commit. */
  @PrimaryGeneratedColumn('increment')
  seq!: number;

  @Column('varchar', { name: 'natural_key', length: 320, unique: true })
  naturalKey!: string;

  @Column('varchar', { name: 'study_id', length: 64 })
  studyId!: string;

  /** The round (or, for `evaluation`, the model version) the event is about; null for study-wide events. */
  @Column('integer', { nullable: true })
  round!: number | null;

  @Column('varchar', { name: 'clinic_id', length: 128, nullable: true })
  clinicId!: string | null;

  @Column('varchar', { length: 32 })
  type!: AuditEventType;

  @Column('simple-json')
  detail!: Record<string, unknown>;

  @Column('bigint', { transformer: epochMillis })
  at!: number;
}

/**
 * Where an event happened; `entry` only for `ledger-entry` (the clinic's ledger position, its own key);
 * `attempt` for the events of a secure-aggregation round's attempt after 0 (`round-restarted`, and
 * `update-received` of a run after a restart), which would otherwise repeat an earlier attempt's key.
 */
export interface AuditWhere {
  studyId: string;
  round?: number | null;
  clinicId?: string | null;
  entry?: number;
  attempt?: number;
}

/** An audit row for `tx.insert(AuditEventEntity, ...)`; its natural key is derived from type, study, round and clinic. */
export function auditEvent(type: AuditEventType, where: AuditWhere, detail: Record<string, unknown> = {}, at = Date.now()): AuditRow {
  const row: Omit<AuditEventEntity, 'seq'> = {
    naturalKey: auditKey(type, where),
    studyId: where.studyId,
    round: where.round ?? null,
    clinicId: where.clinicId ?? null,
    type,
    detail,
    at,
  };
  return row as AuditRow;
}

/** A row to insert (the database numbers it). */
export type AuditRow = QueryDeepPartialEntity<AuditEventEntity> & { naturalKey: string };

/** `type/study[/round][.attempt][/clinic][/entry]`: what makes an event the same event (attempt 0 is left out, as before attempts). */
export function auditKey(type: AuditEventType, { studyId, round = null, clinicId = null, entry, attempt = 0 }: AuditWhere): string {
  const parts: (string | number)[] = [type, studyId];
  if (round !== null) parts.push(attempt > 0 ? `${round}.${attempt}` : round);
  if (clinicId !== null) parts.push(clinicId);
  if (entry !== undefined) parts.push(entry);
  return parts.join('/');
}
