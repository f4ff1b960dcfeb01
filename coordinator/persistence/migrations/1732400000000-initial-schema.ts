import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { bytes, int, json, longText, millis, real, text } from './columns.js';

/** Clinics, studies, rounds, received updates, model versions and per-site metrics. */
export class InitialSchema1732400000000 implements MigrationInterface {
  name = 'InitialSchema1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const tables = [
      new Table({
        name: 'clinics',
        columns: [
          text('id', 128, { isPrimary: true }),
          text('dataset', 64),
          text('site', 64),
          int('num_train'),
          int('num_test'),
          text('node_version', 32),
          millis('registered_at'),
        ],
      }),
      new Table({
        name: 'studies',
        columns: [
          text('id', 64, { isPrimary: true }),
          text('name', 128),
          text('dataset', 64),
          json('model'),
          json('strategy'),
          json('training'),
          text('privacy', 16),
          int('rounds'),
          int('quorum'),
          int('min_clinics'),
          int('round_timeout_ms'),
          int('seed'),
          text('status', 16),
          longText('error', true),
          millis('created_at'),
          millis('finished_at', true),
        ],
      }),
      new Table({
        name: 'rounds',
        columns: [
          text('study_id', 64, { isPrimary: true }),
          int('number', { isPrimary: true }),
          text('status', 16),
          json('participants'),
          millis('opened_at'),
          millis('deadline_at'),
          millis('closed_at', true),
          longText('outcome', true),
        ],
        foreignKeys: [{ columnNames: ['study_id'], referencedTableName: 'studies', referencedColumnNames: ['id'] }],
      }),
      new Table({
        name: 'received_updates',
        columns: [
          text('study_id', 64, { isPrimary: true }),
          int('round', { isPrimary: true }),
          text('clinic_id', 128, { isPrimary: true }),
          int('num_samples'),
          real('train_loss'),
          text('codec', 32),
          bytes(queryRunner, 'payload'),
          text('sha256', 64),
          millis('received_at'),
        ],
        foreignKeys: [
          { columnNames: ['study_id', 'round'], referencedTableName: 'rounds', referencedColumnNames: ['study_id', 'number'] },
          { columnNames: ['clinic_id'], referencedTableName: 'clinics', referencedColumnNames: ['id'] },
        ],
      }),
      new Table({
        name: 'model_versions',
        columns: [
          text('study_id', 64, { isPrimary: true }),
          int('version', { isPrimary: true }),
          bytes(queryRunner, 'parameters'),
          bytes(queryRunner, 'strategy_state', true),
          json('state_layout', true),
          millis('created_at'),
        ],
        foreignKeys: [{ columnNames: ['study_id'], referencedTableName: 'studies', referencedColumnNames: ['id'] }],
      }),
      new Table({
        name: 'site_metrics',
        columns: [
          text('study_id', 64, { isPrimary: true }),
          int('model_version', { isPrimary: true }),
          text('clinic_id', 128, { isPrimary: true }),
          int('num_test'),
          int('num_correct'),
          real('accuracy'),
          real('loss'),
          millis('reported_at'),
        ],
        foreignKeys: [
          { columnNames: ['study_id', 'model_version'], referencedTableName: 'model_versions', referencedColumnNames: ['study_id', 'version'] },
          { columnNames: ['clinic_id'], referencedTableName: 'clinics', referencedColumnNames: ['id'] },
        ],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['site_metrics', 'model_versions', 'received_updates', 'rounds', 'studies', 'clinics']) {
      await queryRunner.dropTable(name);
    }
  }
}
