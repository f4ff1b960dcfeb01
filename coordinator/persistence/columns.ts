import type { ColumnType, ValueTransformer } from 'typeorm';

/** The databases a coordinator can keep its state in. */
export type DatabaseKind = 'sqlite' | 'postgres';

/**
 * Column types that differ between databases, named here and nowhere else. Every other column uses
 * a type SQLite and PostgreSQL both spell the same way: varchar, integer, bigint, double precision,
 * text, and TypeORM's simple-json (JSON in a text column).
 *
 * Entities declare `COLUMN_TYPES.bytes` (SQLite's `blob`): their decorators run once, at import, and
 * are shared by every data source in the process, so they cannot name a per-database type. A
 * PostgreSQL data source maps the declared type to its own at the driver (`adaptDriverColumnTypes`
 * in data-source.ts, through `databaseColumnType`); migrations ask their query runner's driver the
 * same way (migrations/columns.ts), so entities and tables agree on both databases.
 */
export const COLUMN_TYPES = {
  /** Raw bytes, as entities declare them. */
  bytes: 'blob',
} as const satisfies Record<string, ColumnType>;

/** What each database calls a declared type that differs between them. */
const DATABASE_TYPES: Record<DatabaseKind, Record<(typeof COLUMN_TYPES)[keyof typeof COLUMN_TYPES], string>> = {
  sqlite: { blob: 'blob' },
  postgres: { blob: 'bytea' },
};

/** The type `database` stores a column declared `declared` as; types not in COLUMN_TYPES are the same everywhere. */
export function databaseColumnType(database: DatabaseKind, declared: string): string {
  return (DATABASE_TYPES[database] as Record<string, string>)[declared] ?? declared;
}

/** Milliseconds since the epoch in a 64-bit column; drivers may hand 64-bit integers back as strings (pg does). */
export const epochMillis: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A count in a 64-bit column (pair counts outgrow 32 bits), read back as a number. */
export const bigCount: ValueTransformer = epochMillis;

/** Float32 vectors stored as little-endian bytes. */
export const float32Blob: ValueTransformer = {
  to: (value: Float32Array | null | undefined) => (value == null ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
  from: (value: Buffer | null) => (value === null ? null : bytesToFloat32(value)),
};

export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  // Copy: a Buffer's offset into its pool need not be 4-byte aligned.
  return new Float32Array(Uint8Array.from(bytes).buffer);
}
