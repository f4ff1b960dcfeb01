import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { millis, text } from './columns.js';

/** Signed calls: the nonces seen inside the acceptance window, and revocation of enrolled clinics. */
export class RequestAuthentication1732900000000 implements MigrationInterface {
  name = 'RequestAuthentication1732900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'request_nonces',
        columns: [text('nonce', 32, { isPrimary: true }), text('clinic_id', 128), millis('expires_at')],
        indices: [new TableIndex({ name: 'request_nonces_expiry', columnNames: ['expires_at'] })],
      }),
    );
    await queryRunner.addColumns('clinic_identities', [
      new TableColumn(millis('revoked_at', true)),
      new TableColumn(text('revocation_reason', 512, { isNullable: true })),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('clinic_identities', 'revocation_reason');
    await queryRunner.dropColumn('clinic_identities', 'revoked_at');
    await queryRunner.dropTable('request_nonces');
  }
}
