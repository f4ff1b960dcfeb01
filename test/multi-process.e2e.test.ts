import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { COHORT_CLI, startCoordinatorProcess, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { approvalFor } from './support/approvals.js';
import { DATA_DIR } from './support/data-dir.js';

// Runs the built CLI (npm test builds first), each role in its own OS process, on loopback: the
// coordinator over TLS, each node with its own keystore, enrolled over HTTPS with the operator token.
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const children: ChildProcess[] = [];
const coordinators: CoordinatorProcess[] = [];
const dirs: string[] = [];

function cohort(args: string[]): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [COHORT_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COHORT_DATA_DIR: DATA_DIR } });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exited });
}

async function startCoordinator(studyFlags: string[]) {
  const coordinator = await startCoordinatorProcess({ args: ['--dataset', 'fed-heart-disease', ...studyFlags] });
  coordinators.push(coordinator);
  return { coordinator, studyId: await coordinator.studyId() };
}

/** One node process per site, each with a keystore of its own whose card the operator enrolled. */
async function startNodes(coordinator: CoordinatorProcess) {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-mp-'));
  dirs.push(dir);
  const nodes = [];
  for (const site of SITES) {
    const keystore = Keystore.create(join(dir, site), site);
    await coordinator.enrol(keystore.card, await approvalFor(site));
    nodes.push(
      cohort([
        'node',
        '--coordinator',
        coordinator.grpcAddress,
        '--keystore',
        keystore.dir,
        '--tls-ca',
        coordinator.caFile,
        '--site',
        site,
        '--exit-when-done',
      ]),
    );
  }
  return nodes;
}

async function poll<T>(probe: () => Promise<T | undefined>, context: () => string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; output so far:\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const studyDetail = (coordinator: CoordinatorProcess, id: string) => coordinator.fetchJson<any>(`/studies/${id}`, coordinator.auditorToken);

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(coordinators.splice(0).map((c) => c.stop(1000)));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('coordinator and four nodes as separate processes', () => {
  it('complete three rounds', async () => {
    const { coordinator, studyId } = await startCoordinator(['--rounds', '3', '--round-timeout', '120']);
    const nodes = await startNodes(coordinator);
    const codes = await Promise.all(nodes.map((n) => n.exited));
    expect({ codes, output: codes.some((c) => c !== 0) ? nodes.map((n) => n.output()).join('\n') : '' }).toEqual({ codes: [0, 0, 0, 0], output: '' });
    const detail = await studyDetail(coordinator, studyId);
    expect(detail.status).toBe('completed');
    expect(detail.roundHistory.map((r: any) => [r.number, r.status, r.updates.length, r.outcome])).toEqual([
      [1, 'closed', 4, 'closed with all 4 updates'],
      [2, 'closed', 4, 'closed with all 4 updates'],
      [3, 'closed', 4, 'closed with all 4 updates'],
    ]);
    expect(detail.roundHistory[2].metrics.map((m: any) => m.site).sort()).toEqual([...SITES].sort());
    expect(nodes[0]!.output()).toContain('cleveland: round 3 trained');
    coordinator.kill('SIGTERM');
    expect(await coordinator.exited).toBe(0);
  });

  it('closes a round at its timeout with the three nodes left when one is killed mid-round', async () => {
    // Long local training so the kill lands while round 1 is in progress; quorum 3 of 4.
    const { coordinator, studyId } = await startCoordinator([
      '--rounds',
      '2',
      '--quorum',
      '3',
      '--min-clinics',
      '4',
      '--round-timeout',
      '15',
      '--local-steps',
      '3000',
    ]);
    const nodes = await startNodes(coordinator);
    await poll(
      async () => ((await studyDetail(coordinator, studyId)).roundHistory[0]?.status === 'open' ? true : undefined),
      () => coordinator.output(),
    );
    const va = nodes[3]!;
    va.kill('SIGKILL');
    const codes = await Promise.all(nodes.slice(0, 3).map((n) => n.exited));
    expect(codes).toEqual([0, 0, 0]);
    expect(await va.exited).toBeNull(); // killed by the signal
    const detail = await studyDetail(coordinator, studyId);
    expect(detail.status).toBe('completed');
    const [first, second] = detail.roundHistory;
    expect(first.participants).toHaveLength(4);
    expect(first.updates.map((u: any) => u.clinic).sort()).toEqual(['cleveland', 'hungarian', 'switzerland']);
    expect(first.outcome).toBe('closed at its deadline with 3 of 4 updates (quorum 3)');
    expect(Date.parse(first.closedAt)).toBeGreaterThanOrEqual(Date.parse(first.deadlineAt));
    // The next round asks only the clinics still connected, and closes as soon as they report.
    expect(second).toMatchObject({ status: 'closed', outcome: 'closed with all 3 updates' });
    expect(second.participants.sort()).toEqual(['cleveland', 'hungarian', 'switzerland']);
    coordinator.kill('SIGTERM');
    await coordinator.exited;
  });
});
