import { afterEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("the coordinator's database files", () => {
  let root: string | undefined;
  let coordinator: RunningCoordinator | undefined;
  afterEach(async () => {
    await coordinator?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('are 0600 in a 0700 directory after start and after the first writes, the WAL and its index included', async () => {
    root = mkdtempSync(join(tmpdir(), 'cohort-coordinator-db-'));
    const database = join(root, 'state', 'coordinator.sqlite');
    coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database, logLevels: false, insecure: true });
    expect(modeOf(join(root, 'state'))).toBe(0o700);
    expect(modeOf(database)).toBe(0o600);
    await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease', rounds: 1, quorum: 1 }));
    for (const suffix of ['-wal', '-shm']) {
      expect(existsSync(database + suffix)).toBe(true);
      expect(modeOf(database + suffix)).toBe(0o600);
    }
  });
});
