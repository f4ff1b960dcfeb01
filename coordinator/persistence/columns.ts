import type { ColumnType, ValueTransformer } from 'typeorm';

/**
 * Column types that differ between databases, named here and nowhere else (entities and migrations
 * take them from this file), so another backend changes one line. Every other column uses a type
 * SQLite and PostgreSQL both spell the same way: varchar, integer, bigint, double precision, text,
 * and TypeORM's simple-json (JSON in a text column).
 */
export const COLUMN_TYPES = {
  /** Raw bytes: SQLite's blob (PostgreSQL would say bytea). */
  bytes: 'blob',
} as const satisfies Record<string, ColumnType>;

/** Milliseconds since the epoch in a 64-bit column; drivers may hand 64-bit integers back as strings. */
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
