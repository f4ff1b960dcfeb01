import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseFileError, preparePrivateDatabase } from './database-file.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('preparePrivateDatabase', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cohort-db-modes-'));
    // The most permissive umask: the modes must come from the code, not from the environment.
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates missing directories 0700 and the file 0600 before SQLite sees it', () => {
    const database = join(root, 'a', 'b', 'coordinator.sqlite');
    expect(preparePrivateDatabase(database)).toEqual([]);
    expect(modeOf(join(root, 'a'))).toBe(0o700);
    expect(modeOf(join(root, 'a', 'b'))).toBe(0o700);
    expect(modeOf(database)).toBe(0o600);
    expect(statSync(database).size).toBe(0);
  });

  it('tightens an existing database and its side files, keeping their contents', () => {
    const database = join(root, 'coordinator.sqlite');
    writeFileSync(database, 'rows', { mode: 0o644 });
    writeFileSync(`${database}-wal`, 'log', { mode: 0o666 });
    writeFileSync(`${database}-shm`, 'index', { mode: 0o644 });
    chmodSync(root, 0o700);
    expect(preparePrivateDatabase(database)).toEqual([]);
    for (const path of [database, `${database}-wal`, `${database}-shm`]) expect(modeOf(path)).toBe(0o600);
    expect(statSync(database).size).toBe(4);
  });

  it('leaves an existing shared directory as it is, but warns when others may write in it', () => {
    const shared = join(root, 'shared');
    mkdirSync(shared, { mode: 0o775 });
    const warnings = preparePrivateDatabase(join(shared, 'coordinator.sqlite'));
    expect(modeOf(shared)).toBe(0o775);
    expect(warnings).toEqual([expect.stringContaining(`the database directory ${shared} is writable by its group (mode 0775)`)]);
    chmodSync(shared, 0o777);
    expect(preparePrivateDatabase(join(shared, 'coordinator.sqlite'))).toEqual([expect.stringContaining('writable by its group and everyone (mode 0777)')]);
    chmodSync(shared, 0o755);
    expect(preparePrivateDatabase(join(shared, 'coordinator.sqlite'))).toEqual([]);
  });

  it('has nothing to do for an in-memory database', () => {
    expect(preparePrivateDatabase(':memory:')).toEqual([]);
  });

  it('says which file could not be made private', () => {
    const blocker = join(root, 'not-a-directory');
    writeFileSync(blocker, '');
    expect(() => preparePrivateDatabase(join(blocker, 'coordinator.sqlite'))).toThrow(DatabaseFileError);
    expect(() => preparePrivateDatabase(join(blocker, 'coordinator.sqlite'))).toThrow(
      `the coordinator database ${join(blocker, 'coordinator.sqlite')} cannot be made private`,
    );
  });
});
