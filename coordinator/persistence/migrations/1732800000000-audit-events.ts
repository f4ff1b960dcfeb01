import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { int, json, millis, text } from './columns.js';

/** The durable audit log: one row per state change, written in that change's transaction, unique by what happened. */
export class AuditEvents1732800000000 implements MigrationInterface {
  name = 'AuditEvents1732800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          int('seq', { isPrimary: true, isGenerated: true, generationStrategy: 'increment' }),
          text('natural_key', 320, { isUnique: true }),
          text('study_id', 64),
          int('round', { isNullable: true }),
          text('clinic_id', 128, { isNullable: true }),
          text('type', 32),
          json('detail'),
          millis('at'),
        ],
        indices: [new TableIndex({ name: 'audit_events_study', columnNames: ['study_id', 'seq'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
