import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { int, millis, text } from './columns.js';

/** The operator's approval of each clinic's site and record counts (the weights its updates may claim). */
export class ClinicApprovals1733200000000 implements MigrationInterface {
  name = 'ClinicApprovals1733200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'clinic_approvals',
        columns: [
          text('clinic_id', 128, { isPrimary: true }),
          text('dataset', 64),
          text('site', 64),
          int('num_train'),
          int('num_test'),
          text('source', 16),
          millis('approved_at'),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('clinic_approvals');
  }
}
