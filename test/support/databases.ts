/**
 * The databases a storage test runs on: SQLite always, PostgreSQL when COHORT_TEST_POSTGRES names a
 * server (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`, a role that may create databases; CI sets
 * it). Each test database is fresh: a new file (or `:memory:`) on SQLite, a new database on the
 * server, created here and dropped by `drop()`.
 */
import { describe } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, databaseOptions } from '../../coordinator/persistence/data-source.js';

export type Backend = 'sqlite' | 'postgres';

/** The server PostgreSQL tests make their databases on, if any. */
export const POSTGRES_SERVER = process.env['COHORT_TEST_POSTGRES'] || undefined;

const LABELS: Record<Backend, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const SKIPPED = 'skipped: set COHORT_TEST_POSTGRES=postgres://USER:PASSWORD@HOST:PORT/DATABASE to run';

/**
 * Declares the suite `body` once per backend, its title suffixed with the backend. Without a server
 * the PostgreSQL copy is declared skipped, with a title that says how to run it.
 */
export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  describe(`${title} [${LABELS.sqlite}]`, () => body('sqlite'));
  if (POSTGRES_SERVER) describe(`${title} [${LABELS.postgres}]`, () => body('postgres'));
  else {
    describe.skip(`${title} [${LABELS.postgres}: ${SKIPPED}]`, () => body('postgres'));
    // Straight to stderr: jest lists skipped tests only with --verbose.
    process.stderr.write(`note: "${title}" [${LABELS.postgres}] ${SKIPPED}\n`);
  }
}

export interface TestDatabase {
  backend: Backend;
  /** What the coordinator's `database` option (`--db`) takes: a SQLite file or `:memory:`, or a PostgreSQL URL. */
  database: string;
  /** A data source on it without running migrations (the coordinator ran them), for reading or tampering. */
  open(): Promise<DataSource>;
  /** Drops a PostgreSQL database (its connections closed); a SQLite file goes with its directory. */
  drop(): Promise<void>;
}

/**
 * A fresh database on `backend`: on SQLite the file `coordinator.sqlite` in `dir`, or `:memory:`
 * without one; on PostgreSQL a database of its own on POSTGRES_SERVER.
 */
export async function freshDatabase(backend: Backend, dir?: string): Promise<TestDatabase> {
  if (backend === 'sqlite') {
    const database = dir === undefined ? ':memory:' : join(dir, 'coordinator.sqlite');
    return { backend, database, open: () => openDatabase(database), drop: async () => undefined };
  }
  if (!POSTGRES_SERVER) throw new Error(`a PostgreSQL test needs a server: ${SKIPPED}`);
  const name = `cohort_test_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_SERVER);
  url.pathname = `/${name}`;
  const database = url.toString();
  return { backend, database, open: () => openDatabase(database), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function openDatabase(database: string): Promise<DataSource> {
  return createDataSource({ ...databaseOptions(database), migrationsRun: false }).initialize();
}

/** One statement on the server's own database (CREATE and DROP DATABASE cannot run inside the database they name). */
async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `sql` with SQLite's `?` placeholders, run on either database (PostgreSQL numbers them: `$1`, `$2`...). */
export function query<T = Record<string, unknown>>(db: DataSource, sql: string, parameters: unknown[] = []): Promise<T[]> {
  let n = 0;
  const text = db.options.type === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
  return db.query(text, parameters) as Promise<T[]>;
}
