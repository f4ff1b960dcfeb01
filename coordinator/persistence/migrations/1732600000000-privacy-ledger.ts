import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { int, json, millis, text } from './columns.js';

/** Differentially private studies (their DP settings) and the clinics' signed privacy-ledger entries. */
export class PrivacyLedger1732600000000 implements MigrationInterface {
  name = 'PrivacyLedger1732600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('studies', new TableColumn(json('dp', true)));
    await queryRunner.createTable(
      new Table({
        name: 'ledger_entries',
        columns: [
          text('clinic_id', 128, { isPrimary: true }),
          int('seq', { isPrimary: true }),
          text('study_id', 64),
          int('round'),
          text('kind', 16),
          text('hash', 64),
          json('body'),
          millis('received_at'),
        ],
        indices: [new TableIndex({ name: 'ledger_entries_study_round', columnNames: ['study_id', 'round'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ledger_entries');
    await queryRunner.dropColumn('studies', 'dp');
  }
}
