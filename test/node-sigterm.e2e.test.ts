import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { logMessages } from '../common/logging/logger.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { TaskHub } from '../coordinator/clinics/task-hub.js';
import { COHORT_CLI } from '../simulations/coordinator-process.js';
import { enrolForSite } from './support/approvals.js';
import { DATA_DIR } from './support/data-dir.js';

// `kill -TERM` on a node started as docs/operations.md says (`node dist/cli/cohort.js node ...`,
// what the installed `cohort` bin and the container run): the signal reaches the node itself, which
// stops gracefully (exit 0), leaves its state directory as it was, and the coordinator sees it leave.
let dir: string;
let coordinator: RunningCoordinator;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-sigterm-'));
  const tls = await loopbackTls();
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, tls.caPem);
  coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, tls: tls.server });
  // Two clinics needed, one comes: the node waits, connected, for a round that does not open.
  await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease', rounds: 2, quorum: 2, minClinics: 2 }));
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root` with its bytes (hex), so a stop that changed or lost anything shows. */
function snapshot(root: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(join(root, prefix))) {
    const path = join(prefix, name);
    if (statSync(join(root, path)).isDirectory()) Object.assign(files, snapshot(root, path));
    else files[path] = readFileSync(join(root, path)).toString('hex');
  }
  return files;
}

async function until(probe: () => boolean, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`no ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a node started as documented', () => {
  it('stops gracefully on SIGTERM: exit 0, its state kept, the coordinator sees it leave', async () => {
    const keystoreDir = join(dir, 'cleveland');
    const keystore = Keystore.create(keystoreDir, 'cleveland');
    await enrolForSite(coordinator, keystore.card, 'cleveland');
    const hub = coordinator.app.get(TaskHub);
    const child = spawn(
      process.execPath,
      [
        COHORT_CLI,
        'node',
        '--coordinator',
        coordinator.grpcAddress,
        '--keystore',
        keystoreDir,
        '--site',
        'cleveland',
        '--tls-ca',
        caFile,
        '--data-dir',
        DATA_DIR,
        '--budget-epsilon',
        '2',
        '--budget-delta',
        '1e-5',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COHORT_DATA_DIR: DATA_DIR } },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      await until(
        () => hub.isConnected('cleveland'),
        'connection',
        () => output,
      );
      expect(logMessages(output)).toContain(`cleveland: connected to the coordinator at ${coordinator.grpcAddress}`);
      const stateBefore = snapshot(keystoreDir);

      child.kill('SIGTERM');
      const end = await exited;
      // Nothing but log lines: no Node warning either (DEP0123 came with every TLS connection to an IP address).
      expect({ end, stderr: output.split('\n').filter((l) => !l.startsWith('{')) }).toEqual({ end: { code: 0, signal: null }, stderr: [''] });
      const messages = logMessages(output).split('\n');
      expect(messages).toContain('SIGTERM: stopping');
      expect(messages).toContain('cleveland: stopped');
      expect(messages.some((m) => m.startsWith('cleveland: stopped by signal, 0 rounds trained'))).toBe(true);
      // Every line a JSON log line with a timestamp.
      for (const line of output.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ time: expect.any(String), level: expect.any(String) });

      expect(snapshot(keystoreDir)).toEqual(stateBefore);
      await until(
        () => !hub.isConnected('cleveland'),
        'departure seen by the coordinator',
        () => output,
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('under npx: once npx (its parent) is gone, stops as on SIGTERM instead of running on orphaned', async () => {
    const keystoreDir = join(dir, 'hungarian');
    const keystore = Keystore.create(keystoreDir, 'hungarian');
    await enrolForSite(coordinator, keystore.card, 'hungarian');
    const hub = coordinator.app.get(TaskHub);
    // As npm exec starts a bin: a shell runs it as a child, with npm_command=exec in its environment.
    const node = [process.execPath, COHORT_CLI, 'node', '--coordinator', coordinator.grpcAddress, '--keystore', keystoreDir, '--site', 'hungarian']
      .concat(['--tls-ca', caFile, '--data-dir', DATA_DIR])
      .map((arg) => `'${arg}'`)
      .join(' ');
    const shell = spawn('sh', ['-c', `${node} & wait`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, COHORT_DATA_DIR: DATA_DIR, npm_command: 'exec' },
    });
    let output = '';
    shell.stdout.on('data', (d: Buffer) => (output += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // The node holds the pipe's write end after the shell is gone: the pipe closes when the node exits.
    const nodeEnded = new Promise<void>((resolve) => shell.stdout.on('close', () => resolve()));
    await until(
      () => hub.isConnected('hungarian'),
      'connection',
      () => output,
    );

    shell.kill('SIGKILL');
    await nodeEnded;
    const messages = logMessages(output).split('\n');
    expect(messages).toContain('npx, which started this node, is gone (a SIGTERM to npx does not reach the node): stopping as on SIGTERM');
    expect(messages).toContain('hungarian: stopped');
    expect(messages.some((m) => m.startsWith('hungarian: stopped by signal, 0 rounds trained'))).toBe(true);
    await until(
      () => !hub.isConnected('hungarian'),
      'departure seen by the coordinator',
      () => output,
    );
  });
});
