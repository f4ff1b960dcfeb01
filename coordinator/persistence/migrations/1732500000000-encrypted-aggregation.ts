import { Table, TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { bytes, json, millis, text } from './columns.js';

/** Enrolled clinic identities, study keys and their sealed envelopes; model versions that are encrypted sums. */
export class EncryptedAggregation1732500000000 implements MigrationInterface {
  name = 'EncryptedAggregation1732500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('studies', new TableColumn(json('encryption', true)));
    await queryRunner.changeColumn('model_versions', 'parameters', new TableColumn(bytes(queryRunner, 'parameters', true)));
    await queryRunner.addColumns('model_versions', [
      new TableColumn(text('codec', 64, { default: "'plain-f32'" })),
      new TableColumn(text('key_id', 64, { isNullable: true })),
      new TableColumn(bytes(queryRunner, 'payload', true)),
    ]);
    const tables = [
      new Table({
        name: 'clinic_identities',
        columns: [
          text('clinic_id', 128, { isPrimary: true }),
          bytes(queryRunner, 'sign_public_key'),
          bytes(queryRunner, 'box_public_key'),
          millis('enrolled_at'),
        ],
      }),
      new Table({
        name: 'study_keys',
        columns: [text('study_id', 64, { isPrimary: true }), text('key_id', 64), text('parameter_set', 64), text('generated_by', 128), millis('created_at')],
        foreignKeys: [{ columnNames: ['study_id'], referencedTableName: 'studies', referencedColumnNames: ['id'] }],
      }),
      new Table({
        name: 'key_envelopes',
        columns: [
          text('study_id', 64, { isPrimary: true }),
          text('recipient_clinic_id', 128, { isPrimary: true }),
          text('key_id', 64),
          text('parameter_set', 64),
          text('sender_clinic_id', 128),
          bytes(queryRunner, 'recipient_box_public_key'),
          bytes(queryRunner, 'ephemeral_public_key'),
          bytes(queryRunner, 'nonce'),
          bytes(queryRunner, 'sealed_key'),
          bytes(queryRunner, 'signature'),
          millis('created_at'),
        ],
        foreignKeys: [{ columnNames: ['study_id'], referencedTableName: 'study_keys', referencedColumnNames: ['study_id'] }],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['key_envelopes', 'study_keys', 'clinic_identities']) await queryRunner.dropTable(name);
    await queryRunner.dropColumns('model_versions', ['codec', 'key_id', 'payload']);
    await queryRunner.changeColumn('model_versions', 'parameters', new TableColumn(bytes(queryRunner, 'parameters')));
    await queryRunner.dropColumn('studies', 'encryption');
  }
}
