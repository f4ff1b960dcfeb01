import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoordinatorProcess, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { cohort as runCli, ok } from './support/cli-run.js';

// Tokens in files rather than on command lines, through the built CLI: the coordinator process is
// started with --operator-token-file and --auditor-token-file (simulations/coordinator-process.ts),
// and the operator's and auditor's commands read theirs the same way.
let dir: string;
let coordinator: CoordinatorProcess;
const cohort = (args: string[]) => runCli(args, { COHORT_OPERATOR_TOKEN: undefined, COHORT_AUDITOR_TOKEN: undefined, NODE_EXTRA_CA_CERTS: coordinator.caFile });

function file(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-token-files-'));
  coordinator = await startCoordinatorProcess({ env: { ...process.env, COHORT_OPERATOR_TOKEN: undefined, COHORT_AUDITOR_TOKEN: undefined } });
});
afterAll(async () => {
  await coordinator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('token files', () => {
  it("keep the coordinator's tokens off its command line, and its roles work with them", async () => {
    const cmdline = `/proc/${coordinator.child.pid}/cmdline`;
    if (existsSync(cmdline)) {
      const args = readFileSync(cmdline, 'utf8');
      expect(args).toContain('--operator-token-file');
      expect(args).not.toContain(coordinator.operatorToken);
      expect(args).not.toContain(coordinator.auditorToken);
    }
    expect(await coordinator.request('/clinics', { token: coordinator.operatorToken })).toMatchObject({ status: 200 });
    expect(await coordinator.request('/audit/clinics', { token: coordinator.auditorToken })).toMatchObject({ status: 200 });
    expect(await coordinator.request('/clinics', { token: null })).toMatchObject({ status: 401 });
  });

  it("are read by the operator's and the auditor's commands", async () => {
    const url = ['--coordinator-url', coordinator.httpUrl];
    const operator = file('operator', `${coordinator.operatorToken}\n`);
    const auditor = file('auditor', `${coordinator.auditorToken}\n`);
    expect(ok(await cohort(['clinic', 'list', ...url, '--token-file', operator]))).toMatch(/^clinic\s+fingerprint\s+enrolled\s/);
    expect(ok(await cohort(['clinic', 'list', ...url, '--token-file', auditor]))).toMatch(/^clinic/);
    ok(await cohort(['audit', 'report', ...url, '--auditor-token-file', auditor, '--json']));
    const wrong = await cohort(['clinic', 'revoke', ...url, '--clinic-id', 'nobody', '--reason', 'test', '--operator-token-file', auditor]);
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('403') });
  });

  it('that are empty, missing, readable by everyone or given with the token itself stop the command with a usage error', async () => {
    const url = ['--coordinator-url', coordinator.httpUrl];
    const empty = file('empty', '\n');
    expect(await cohort(['clinic', 'list', ...url, '--token-file', empty])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`cohort: --token-file ${empty} is empty: it must hold the token`),
    });
    const missing = join(dir, 'missing');
    expect(await cohort(['audit', 'report', ...url, '--auditor-token-file', missing])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`cohort: --auditor-token-file ${missing}: no such file`),
    });
    const open = file('open', `${coordinator.operatorToken}\n`, 0o644);
    expect(await cohort(['clinic', 'enrol', ...url, '--card', join(dir, 'no-card.json'), '--operator-token-file', open])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`may be read by everyone (mode 0644): chmod 600 ${open}`),
    });
    const both = await cohort(['keys', 'status', ...url, '--study-id', 'x', '--token', 't', '--token-file', empty]);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('give --token or --token-file, not both') });
    const coordinatorWithEmpty = await cohort([
      'coordinator',
      '--insecure',
      '--grpc-port',
      '0',
      '--http-port',
      '0',
      '--db',
      ':memory:',
      '--operator-token-file',
      empty,
    ]);
    expect(coordinatorWithEmpty).toMatchObject({ code: 2, stderr: expect.stringContaining(`--operator-token-file ${empty} is empty`) });
  });
});
