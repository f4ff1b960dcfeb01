import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { json } from './columns.js';

/** Studies with secure aggregation keep their settings (clipping range, degree, threshold, stage timeout). */
export class SecureAggregation1732700000000 implements MigrationInterface {
  name = 'SecureAggregation1732700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('studies', new TableColumn(json('secagg', true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('studies', 'secagg');
  }
}
