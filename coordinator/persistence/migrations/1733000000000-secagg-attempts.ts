import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { int } from './columns.js';

/**
 * A round's attempt: 0, then one more each time the coordinator restarted during a secure-aggregation
 * round and ran it again with fresh keys (its key stages and masked inputs died with the process).
 */
export class SecAggAttempts1733000000000 implements MigrationInterface {
  name = 'SecAggAttempts1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('rounds', new TableColumn(int('attempt', { default: 0 })));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('rounds', 'attempt');
  }
}
