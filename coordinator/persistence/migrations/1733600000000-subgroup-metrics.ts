import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Evaluations' per-subgroup counts (studies whose schema names subgroups), as JSON. */
export class SubgroupMetrics1733600000000 implements MigrationInterface {
  name = 'SubgroupMetrics1733600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('site_metrics', new TableColumn({ name: 'subgroups', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('site_metrics', 'subgroups');
  }
}
