import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Survival studies' evaluations: concordance pair counts and the C-index the coordinator computed from them. */
export class SurvivalMetrics1733400000000 implements MigrationInterface {
  name = 'SurvivalMetrics1733400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('site_metrics', [
      new TableColumn({ name: 'concordant_pairs', type: 'bigint', default: 0 }),
      new TableColumn({ name: 'discordant_pairs', type: 'bigint', default: 0 }),
      new TableColumn({ name: 'tied_risk_pairs', type: 'bigint', default: 0 }),
      new TableColumn({ name: 'c_index', type: 'double precision', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['c_index', 'tied_risk_pairs', 'discordant_pairs', 'concordant_pairs']) await queryRunner.dropColumn('site_metrics', column);
  }
}
