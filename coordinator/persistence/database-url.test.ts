import { describe, expect, it } from '@jest/globals';
import { databaseOptions, isTransientDatabaseError } from './data-source.js';
import { DatabaseUrlError, isPostgresUrl, parsePostgresUrl, redactDatabaseUrl } from './database-url.js';

describe('the database option', () => {
  it('tells PostgreSQL URLs from SQLite files', () => {
    expect(['postgres://u@h/d', 'postgresql://u@h/d', 'POSTGRES://u@h/d'].map(isPostgresUrl)).toEqual([true, true, true]);
    expect(['.cohort/coordinator.sqlite', ':memory:', 'postgres.sqlite'].map(isPostgresUrl)).toEqual([false, false, false]);
    expect(databaseOptions(':memory:').type).toBe('sqlite');
    expect(databaseOptions('postgres://u:p@h/d').type).toBe('postgres');
  });

  it('reads user, password, host, port and database, percent-decoded', () => {
    expect(parsePostgresUrl('postgres://co%40hort:p%2Fw%3Ad@db.example:6543/state')).toEqual({
      host: 'db.example',
      port: 6543,
      username: 'co@hort',
      password: 'p/w:d',
      database: 'state',
      ssl: false,
    });
    expect(parsePostgresUrl('postgres://cohort@[::1]/state?sslmode=verify-full')).toMatchObject({ host: '::1', port: 5432, password: undefined, ssl: true });
  });

  it("takes the given password when the URL has none, the URL's otherwise", () => {
    expect(parsePostgresUrl('postgres://cohort@db/state', 'from-file').password).toBe('from-file');
    expect(parsePostgresUrl('postgres://cohort:in-url@db/state', 'from-file').password).toBe('in-url');
  });

  it('refuses a URL without host, user or database, unknown parameters and unchecked TLS, naming what is wrong', () => {
    expect(() => parsePostgresUrl('postgres://db.example/state')).toThrow(/has no user: expected postgres:\/\/USER/);
    expect(() => parsePostgresUrl('postgres://cohort:secret@db.example')).toThrow('the database URL postgres://cohort:***@db.example has no database name');
    expect(() => parsePostgresUrl('postgres://cohort@db/state?ssl=true')).toThrow('unknown parameters (ssl)');
    expect(() => parsePostgresUrl('postgres://cohort@db/state?sslmode=require')).toThrow(/sslmode must be disable or verify-full/);
    expect(() => parsePostgresUrl('postgres://')).toThrow(DatabaseUrlError);
  });

  it('hides the password in what it prints', () => {
    expect(redactDatabaseUrl('postgres://cohort:s3cret@db:5432/state')).toBe('postgres://cohort:***@db:5432/state');
    expect(redactDatabaseUrl('postgres://cohort@db/state')).toBe('postgres://cohort@db/state');
    expect(redactDatabaseUrl('.cohort/coordinator.sqlite')).toBe('.cohort/coordinator.sqlite');
  });

  it('retries at start only what waiting can mend', () => {
    const error = (code: string) => Object.assign(new Error(code), { code });
    expect(['ECONNREFUSED', '57P03'].map((code) => isTransientDatabaseError(error(code)))).toEqual([true, true]);
    // A wrong password, a database that does not exist, a SQLite file that cannot be opened.
    expect(['28P01', '3D000', 'SQLITE_CANTOPEN'].map((code) => isTransientDatabaseError(error(code)))).toEqual([false, false, false]);
    expect(isTransientDatabaseError(new Error('no code'))).toBe(false);
  });
});
