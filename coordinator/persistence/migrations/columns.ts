import type { TableColumnOptions } from 'typeorm';
import { COLUMN_TYPES } from '../columns.js';

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
export const bytes = (name: string, nullable = false): TableColumnOptions => ({ name, type: COLUMN_TYPES.bytes, isNullable: nullable });
