import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { COHORT_CLI } from '../../simulations/coordinator-process.js';
import { DATA_DIR } from './data-dir.js';

/** What a run of the built CLI did (npm test builds first). */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cohort ...` to its end, on this Node, with the test data directory and `env` on top of this environment. */
export async function cohort(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [COHORT_CLI, ...args], {
      env: { ...process.env, COHORT_DATA_DIR: DATA_DIR, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Exit 0, nothing on stderr (shown when not); the run's stdout. */
export function ok(run: Run): string {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  return run.stdout;
}
