import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackTls } from '../common/tls/loopback.js';
import { plainFloat32Codec } from '../crypto/index.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { startCoordinatorProcess, trustingFetch, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { cohort } from './support/cli-run.js';
import { connect, refusal } from './support/scripted-clinic.js';

const OPERATOR = 'operator-secret-for-tests';
const AUDITOR = 'auditor-secret-for-tests';
const P = 14; // logistic regression on Fed-Heart-Disease's 13 features
const STUDY = { name: 'heart', dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds: 3, quorum: 2, minClinics: 2, roundTimeoutS: 60 };

/** What a coordinator process logged: each JSON line's message, other lines as they are. */
function messages(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return (JSON.parse(line) as { msg: string }).msg;
      } catch {
        return line;
      }
    });
}

type Clinic = Awaited<ReturnType<typeof connect>>;

function upload(clinic: Clinic, clinicId: string, task: Task__Output) {
  return clinic.client.uploadUpdate({
    clinicId,
    studyId: task.studyId,
    round: task.round,
    modelVersion: task.modelVersion,
    codec: 'plain-f32',
    numSamples: 100,
    trainLoss: 0.5,
    payload: plainFloat32Codec.encode(new Float32Array(P).fill(0.01)),
  });
}

describe('study lifecycle: names, pause, resume, cancel', () => {
  let coordinator: RunningCoordinator;
  let http: (path: string, init?: { method?: string; body?: unknown; token?: string }) => Promise<{ status: number; body: any }>;
  const clinics: Clinic[] = [];

  beforeEach(async () => {
    const tls = await loopbackTls();
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: ':memory:',
      logLevels: false,
      tls: tls.server,
      operatorToken: OPERATOR,
      auditorToken: AUDITOR,
    });
    const https = trustingFetch(tls.caPem);
    http = async (path, { method = 'GET', body, token = OPERATOR } = {}) => {
      const response = await https(`${coordinator.httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    };
  });
  afterEach(async () => {
    for (const clinic of clinics.splice(0)) clinic.close();
    await coordinator.close();
  });

  const connectBoth = async () => {
    const both = await Promise.all([connect(coordinator, 'clinic-a', 'cleveland', 199), connect(coordinator, 'clinic-b', 'hungarian', 261)]);
    clinics.push(...both);
    return both;
  };

  it('a named study is defined once: the same again answers it, other settings are refused by name', async () => {
    const first = await http('/studies', { method: 'POST', body: STUDY });
    expect(first.status).toBe(201);
    // The answer carries the effective settings, and what the operator should know.
    expect(first.body).toMatchObject({ quorum: 2, minClinics: 2, training: { optimizer: 'sgd', batchSize: 4, localSteps: 100 } });
    expect(first.body.warnings).toEqual(['round 1 waits for 2 clinics serving fed-heart-disease; 0 enrolled and approved for it so far']);
    const again = await http('/studies', { method: 'POST', body: STUDY });
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, name: 'heart' } });
    const other = await http('/studies', { method: 'POST', body: { ...STUDY, rounds: 5 } });
    expect(other.status).toBe(409);
    expect(other.body.message).toContain(`a study named "heart" exists (${first.body.id}, waiting) with other settings (rounds: 3 -> 5)`);
    // Without a name: the default one, numbered when taken, so no two studies share a name.
    const unnamed = { dataset: 'fed-heart-disease', rounds: 1 };
    const a = await http('/studies', { method: 'POST', body: unnamed });
    const b = await http('/studies', { method: 'POST', body: unnamed });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.name, b.body.name]).toEqual(['fed-heart-disease geometric-median', 'fed-heart-disease geometric-median (2)']);
    expect((await http('/studies')).body).toHaveLength(3);
  });

  it('pausing lets the open round close and opens no other; resuming goes on; cancelling ends it for good', async () => {
    const { body: study } = await http('/studies', { method: 'POST', body: STUDY });
    const [a, b] = await connectBoth();
    const [round1a, round1b] = [await a!.nextOf('TASK_KIND_TRAIN', study.id), await b!.nextOf('TASK_KIND_TRAIN', study.id)];

    expect((await http(`/studies/${study.id}/pause`, { method: 'POST', token: AUDITOR })).status).toBe(403);
    expect(await http(`/studies/${study.id}/pause`, { method: 'POST' })).toMatchObject({ status: 200, body: { status: 'paused' } });
    expect(await http(`/studies/${study.id}/pause`, { method: 'POST' })).toMatchObject({
      status: 409,
      body: { message: `study ${study.id} is already paused` },
    });

    // The open round still takes its updates and closes, with its model version and evaluation.
    await upload(a!, 'clinic-a', round1a);
    await upload(b!, 'clinic-b', round1b);
    expect(await a!.nextOf('TASK_KIND_EVALUATE', study.id)).toMatchObject({ modelVersion: 1 });
    const paused = (await http(`/studies/${study.id}`)).body;
    expect(paused.status).toBe('paused');
    expect(paused.roundHistory.map((r: { status: string }) => r.status)).toEqual(['closed']);

    // A coordinator restart is not needed for the pause to hold: a clinic connecting now opens nothing.
    expect((await http(`/studies/${study.id}/resume`, { method: 'POST' })).body.status).toBe('running');
    const round2a = await a!.nextOf('TASK_KIND_TRAIN', study.id);
    expect(round2a.round).toBe(2);

    expect(await http(`/studies/${study.id}/cancel`, { method: 'POST' })).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect(await b!.nextOf('TASK_KIND_STUDY_FINISHED', study.id)).toMatchObject({ studyStatus: 'cancelled', message: 'cancelled by the operator' });
    expect(await refusal(upload(a!, 'clinic-a', round2a))).toMatchObject({ code: status.FAILED_PRECONDITION, details: expect.stringContaining('cancelled') });

    const ended = (await http(`/studies/${study.id}`)).body;
    expect(ended.roundHistory.map((r: { status: string; outcome: string }) => [r.status, r.outcome])).toEqual([
      ['closed', expect.any(String)],
      ['cancelled', 'cancelled by the operator'],
    ]);
    expect(ended.finishedAt).not.toBeNull();
    for (const action of ['pause', 'resume', 'cancel']) {
      expect(await http(`/studies/${study.id}/${action}`, { method: 'POST' })).toMatchObject({
        status: 409,
        body: { message: expect.stringContaining(`study ${study.id} has ended (cancelled)`) },
      });
    }
    // The model versions made before the cancel stay, and the audit log says what happened, in order.
    expect((await http(`/studies/${study.id}/models/latest`)).body).toMatchObject({ version: 1 });
    const types = (await http(`/studies/${study.id}/events`)).body.map((e: { type: string }) => e.type);
    const lifecycle = types.filter((t: string) =>
      ['study-paused', 'round-closed', 'study-resumed', 'round-opened', 'round-cancelled', 'study-finished'].includes(t),
    );
    expect(lifecycle).toEqual(['round-opened', 'study-paused', 'round-closed', 'study-resumed', 'round-opened', 'round-cancelled', 'study-finished']);
    expect((await http(`/studies/${study.id}/pause`, { method: 'POST' })).status).toBe(409);
    expect((await http(`/studies/no-such-study/pause`, { method: 'POST' })).status).toBe(404);
  });

  it('a paused study that has not started waits for its resume, then starts with the clinics already there', async () => {
    const { body: study } = await http('/studies', { method: 'POST', body: STUDY });
    expect((await http(`/studies/${study.id}/pause`, { method: 'POST' })).body.status).toBe('paused');
    const [a] = await connectBoth();
    expect((await http(`/studies/${study.id}`)).body).toMatchObject({ status: 'paused', roundHistory: [] });
    expect((await http(`/studies/${study.id}/resume`, { method: 'POST' })).body.status).toBe('waiting');
    expect(await a!.nextOf('TASK_KIND_TRAIN', study.id)).toMatchObject({ round: 1 });
    expect((await http(`/studies/${study.id}`)).body.status).toBe('running');
  });
});

describe('cohort coordinator --study and cohort study', () => {
  // Every coordinator process this file starts stops, even when an expectation fails before its own stop.
  const started: CoordinatorProcess[] = [];
  const start = async (options: Parameters<typeof startCoordinatorProcess>[0]) => {
    const process = await startCoordinatorProcess(options);
    started.push(process);
    return process;
  };
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
  });

  it('starting the coordinator again with the same study resumes it; other settings under its name are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-lifecycle-'));
    const db = join(dir, 'coordinator.sqlite');
    const file = join(dir, 'study.json');
    writeFileSync(file, JSON.stringify(STUDY));
    const first = await start({ db, args: ['--study', file] });
    const id = await first.studyId();
    expect(messages(first.output())).toContain(`study ${id}: "heart" created, waiting for 2 clinics (${first.httpUrl}/studies/${id})`);
    const env = { NODE_EXTRA_CA_CERTS: first.caFile, COHORT_OPERATOR_TOKEN: first.operatorToken };
    const url = first.httpUrl;
    expect((await cohort(['study', 'pause', 'heart', '--coordinator-url', url], env)).stdout).toBe(`study ${id} "heart": paused\n`);
    const listed = await cohort(['study', 'list', '--coordinator-url', url], env);
    expect(listed.stdout).toMatch(new RegExp(`^${id} +heart +fed-heart-disease +paused +3 `, 'm'));
    const shown = await cohort(['study', 'show', id, '--coordinator-url', url], env);
    expect(shown.stdout).toContain('rounds 0 of 3 closed; quorum 2, round 1 waits for 2 clinics');
    expect(await cohort(['study', 'resume', 'nothing-here', '--coordinator-url', url], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no study has the id or name "nothing-here"'),
    });
    expect(await first.stop()).toBe(0);

    const second = await start({ db, args: ['--study', file] });
    expect(await second.studyId()).toBe(id);
    expect(messages(second.output())).toContain(`study ${id}: "heart" exists (paused): resuming it, not creating another (${second.httpUrl}/studies/${id})`);
    expect(await second.fetchJson<unknown[]>('/studies')).toHaveLength(1);
    expect(await second.stop()).toBe(0);

    writeFileSync(file, JSON.stringify({ ...STUDY, rounds: 4 }));
    const third = await start({ db, args: ['--study', file] });
    expect(await third.exited).toBe(1);
    expect(third.output()).toContain(`cohort: a study named "heart" exists (${id}, paused) with other settings (rounds: 3 -> 4)`);
    await third.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});
