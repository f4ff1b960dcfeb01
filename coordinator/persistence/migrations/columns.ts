import type { QueryRunner, TableColumnOptions } from 'typeorm';
import { COLUMN_TYPES, databaseColumnType, type DatabaseKind } from '../columns.js';

/** Column builders shared by the migrations, so every table spells a type the same way. */
export const text = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  ...extra,
});
export const int = (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'integer', ...extra });
export const millis = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
export const real = (name: string): TableColumnOptions => ({ name, type: 'double precision' });
export const json = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
/** Text of any length. */
export const longText = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
/** Raw bytes, in the type of the database the migration runs on (blob, bytea). */
export const bytes = (queryRunner: QueryRunner, name: string, nullable = false): TableColumnOptions => ({
  name,
  type: databaseColumnType(migratedDatabase(queryRunner), COLUMN_TYPES.bytes),
  isNullable: nullable,
});

/** The database a migration runs on. */
export function migratedDatabase(queryRunner: QueryRunner): DatabaseKind {
  const type = queryRunner.connection.driver.options.type;
  if (type === 'sqlite' || type === 'postgres') return type;
  throw new Error(`the coordinator's migrations run on SQLite or PostgreSQL, not ${type}`);
}
