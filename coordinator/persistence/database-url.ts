/**
 * Where the coordinator keeps its state: a SQLite file (or `:memory:`), or a PostgreSQL server named
 * by a URL, `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|verify-full]`.
 */

/** A PostgreSQL server's connection settings, as TypeORM's postgres driver takes them. */
export interface PostgresConnection {
  host: string;
  port: number;
  username: string;
  /** From the URL, else the caller's password, else undefined: then pg reads `PGPASSWORD`. */
  password: string | undefined;
  database: string;
  /** TLS that verifies the server's certificate (sslmode=verify-full), or none. */
  ssl: boolean;
}

export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUrlError';
  }
}

/** True when `database` names a PostgreSQL server rather than a SQLite file. */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

const URL_FORM = 'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE';

/**
 * Reads a PostgreSQL URL (parsed here rather than by TypeORM, whose parser drops query parameters and
 * turns a missing password into an empty one). `password` is used when the URL carries none.
 */
export function parsePostgresUrl(database: string, password?: string): PostgresConnection {
  let url: URL;
  try {
    url = new URL(database);
  } catch {
    throw new DatabaseUrlError(`the database URL is not a URL: expected ${URL_FORM}`);
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const problems = [
    url.hostname === '' ? 'no host' : '',
    url.username === '' ? 'no user' : '',
    name === '' || name.includes('/') ? 'no database name (the path after the host)' : '',
  ].filter(Boolean);
  if (problems.length > 0) throw new DatabaseUrlError(`the database URL ${redactDatabaseUrl(database)} has ${problems.join(', ')}: expected ${URL_FORM}`);
  const unknown = [...url.searchParams.keys()].filter((key) => key !== 'sslmode');
  if (unknown.length > 0) throw new DatabaseUrlError(`the database URL has unknown parameters (${unknown.join(', ')}): only sslmode is read`);
  const sslmode = url.searchParams.get('sslmode') ?? 'disable';
  if (sslmode !== 'disable' && sslmode !== 'verify-full') {
    throw new DatabaseUrlError(`the database URL's sslmode must be disable or verify-full (TLS checking the server's certificate), got "${sslmode}"`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    username: decodeURIComponent(url.username),
    password: url.password !== '' ? decodeURIComponent(url.password) : password,
    database: name,
    ssl: sslmode === 'verify-full',
  };
}

/** The database for logs and messages: a URL's password replaced by `***`. */
export function redactDatabaseUrl(database: string): string {
  if (!isPostgresUrl(database)) return database;
  return database.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
