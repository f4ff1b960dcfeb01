import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../common/net.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { DATA_DIR } from './data-dir.js';

// Runs the built CLI (npm test builds first), each role in its own OS process, on loopback.
const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'cohort.js');
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const children: ChildProcess[] = [];

function cohort(args: string[]): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COHORT_DATA_DIR: DATA_DIR } });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => output, exited });
}

async function startCoordinator(studyFlags: string[]) {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const db = join(mkdtempSync(join(tmpdir(), 'cohort-mp-')), 'coordinator.sqlite');
  const process = cohort(['coordinator', '--grpc-port', String(grpcPort), '--http-port', String(httpPort), '--db', db, '--dataset', 'fed-heart-disease', ...studyFlags]);
  const http = `http://127.0.0.1:${httpPort}`;
  const studyId = await poll(async () => {
    const match = /study ([0-9a-f-]{36})/.exec(process.output());
    return match?.[1];
  }, () => process.output());
  return { process, http, grpc: `127.0.0.1:${grpcPort}`, studyId };
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

const studyDetail = async (http: string, id: string) => (await fetch(`${http}/studies/${id}`)).json() as Promise<any>;

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

describe('coordinator and four nodes as separate processes', () => {
  it('complete three rounds', async () => {
    const coordinator = await startCoordinator(['--rounds', '3', '--round-timeout', '120']);
    const nodes = SITES.map((site) => cohort(['node', '--coordinator', coordinator.grpc, '--site', site, '--exit-when-done']));
    const codes = await Promise.all(nodes.map((n) => n.exited));
    expect({ codes, output: codes.some((c) => c !== 0) ? nodes.map((n) => n.output()).join('\n') : '' }).toEqual({ codes: [0, 0, 0, 0], output: '' });
    const detail = await studyDetail(coordinator.http, coordinator.studyId);
    expect(detail.status).toBe('completed');
    expect(detail.roundHistory.map((r: any) => [r.number, r.status, r.updates.length, r.outcome])).toEqual([
      [1, 'closed', 4, 'closed with all 4 updates'],
      [2, 'closed', 4, 'closed with all 4 updates'],
      [3, 'closed', 4, 'closed with all 4 updates'],
    ]);
    expect(detail.roundHistory[2].metrics.map((m: any) => m.site).sort()).toEqual([...SITES].sort());
    expect(nodes[0]!.output()).toContain('cleveland: round 3 trained');
    coordinator.process.kill('SIGTERM');
    expect(await coordinator.process.exited).toBe(0);
  });

  it('closes a round at its timeout with the three nodes left when one is killed mid-round', async () => {
    // Long local training so the kill lands while round 1 is in progress; quorum 3 of 4.
    const coordinator = await startCoordinator(['--rounds', '2', '--quorum', '3', '--min-clinics', '4', '--round-timeout', '15', '--local-steps', '3000']);
    const nodes = SITES.map((site) => cohort(['node', '--coordinator', coordinator.grpc, '--site', site, '--exit-when-done']));
    await poll(async () => ((await studyDetail(coordinator.http, coordinator.studyId)).roundHistory[0]?.status === 'open' ? true : undefined), () => coordinator.process.output());
    const va = nodes[3]!;
    va.kill('SIGKILL');
    const codes = await Promise.all(nodes.slice(0, 3).map((n) => n.exited));
    expect(codes).toEqual([0, 0, 0]);
    expect(await va.exited).toBeNull(); // killed by the signal
    const detail = await studyDetail(coordinator.http, coordinator.studyId);
    expect(detail.status).toBe('completed');
    const [first, second] = detail.roundHistory;
    expect(first.participants).toHaveLength(4);
    expect(first.updates.map((u: any) => u.clinic).sort()).toEqual(['cleveland', 'hungarian', 'switzerland']);
    expect(first.outcome).toBe('closed at its deadline with 3 of 4 updates (quorum 3)');
    expect(Date.parse(first.closedAt)).toBeGreaterThanOrEqual(Date.parse(first.deadlineAt));
    // The next round asks only the clinics still connected, and closes as soon as they report.
    expect(second).toMatchObject({ status: 'closed', outcome: 'closed with all 3 updates' });
    expect(second.participants.sort()).toEqual(['cleveland', 'hungarian', 'switzerland']);
    coordinator.process.kill('SIGTERM');
    await coordinator.process.exited;
  });
});
