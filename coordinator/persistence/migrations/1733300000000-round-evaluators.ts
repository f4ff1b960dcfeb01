import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { json } from './columns.js';

/** Who was sent each closed round's model version to evaluate: evaluations are taken only from them. */
export class RoundEvaluators1733300000000 implements MigrationInterface {
  name = 'RoundEvaluators1733300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('rounds', new TableColumn(json('evaluators', true)));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('rounds', 'evaluators');
  }
}
