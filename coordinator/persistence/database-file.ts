import { chmodSync, closeSync, constants, existsSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Owner read and write only: the database holds updates, privacy ledgers and nonces. */
export const DATABASE_FILE_MODE = 0o600;
/** Owner only, for directories the coordinator creates to hold its database. */
export const DATABASE_DIRECTORY_MODE = 0o700;
/** Files SQLite keeps beside a database: the write-ahead log and its index (WAL mode), the rollback journal otherwise. */
export const SQLITE_SIDE_FILES = ['-wal', '-shm', '-journal'] as const;

export class DatabaseFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseFileError';
  }
}

/**
 * Makes a coordinator's SQLite database private before SQLite opens it, whatever the umask:
 * - directories that do not exist yet are created 0700 (set explicitly, one by one);
 * - the database file is created (or, if it exists, tightened to) 0600 before SQLite writes a byte;
 * - SQLite's own files (`-wal`, `-shm`, `-journal`) that exist are tightened to 0600. Those SQLite
 *   creates later take the database file's mode (its unix VFS copies the main file's permissions
 *   to them), so they are 0600 too; a test checks it after the first write.
 * An existing directory is left as it is: it may be shared (the working directory, `/var/lib`), and
 * tightening it could break whoever else uses it. If group or others may write in it they could
 * replace the database or plant its side files, so that returns a warning for the caller to log.
 * `:memory:` (and SQLite's anonymous temporary database, ``) have no files: nothing to do.
 */
export function preparePrivateDatabase(database: string): string[] {
  if (database === ':memory:' || database === '') return [];
  const path = resolve(database);
  const warnings = prepareDirectory(dirname(path));
  try {
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, DATABASE_FILE_MODE);
    try {
      fchmodSync(fd, DATABASE_FILE_MODE);
    } finally {
      closeSync(fd);
    }
    for (const suffix of SQLITE_SIDE_FILES) {
      if (existsSync(path + suffix)) chmodSync(path + suffix, DATABASE_FILE_MODE);
    }
  } catch (error) {
    throw new DatabaseFileError(`the coordinator database ${path} cannot be made private (mode 0600): ${(error as Error).message}`);
  }
  return warnings;
}

function prepareDirectory(dir: string): string[] {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = dirname(at)) missing.unshift(at);
  try {
    for (const created of missing) {
      mkdirSync(created, { mode: DATABASE_DIRECTORY_MODE });
      chmodSync(created, DATABASE_DIRECTORY_MODE); // the umask may have taken owner bits away
    }
  } catch (error) {
    throw new DatabaseFileError(`the coordinator database directory ${dir} cannot be created (mode 0700): ${(error as Error).message}`);
  }
  if (missing.length > 0) return [];
  const mode = statSync(dir).mode & 0o777;
  const writers = [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'everyone' : ''].filter(Boolean);
  if (writers.length === 0) return [];
  return [
    `the database directory ${dir} is writable by ${writers.join(' and ')} (mode 0${mode.toString(8)}): they could replace the database; keep it in a directory only the coordinator's user may write (chmod 700)`,
  ];
}
