import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Studies on a consortium's own data: the study schema and how clinics preprocess with it. */
export class StudySchemas1733500000000 implements MigrationInterface {
  name = 'StudySchemas1733500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('studies', [
      new TableColumn({ name: 'schema', type: 'text', isNullable: true }),
      new TableColumn({ name: 'preprocessing', type: 'varchar', length: '16', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['preprocessing', 'schema']) await queryRunner.dropColumn('studies', column);
  }
}
