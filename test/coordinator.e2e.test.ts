import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status, type ServiceError } from '@grpc/grpc-js';
import { firstValueFrom, filter } from 'rxjs';
import { sha256 } from '../common/chunk-stream.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { cardOf, cardToJson, createIdentity, plainFloat32Codec } from '../crypto/index.js';
import { createGrpcClient, FederationClient } from '../clinic-node/client/federation-client.js';
import { parseStudyConfig, startCoordinator, STRATEGY_NAMES, type FederationEvent, type RunningCoordinator } from '../coordinator/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { trustingFetch } from '../simulations/coordinator-process.js';
import { clientAs, connect, enrolledIdentity, refusal } from './support/scripted-clinic.js';

const SITES = [
  { clinicId: 'clinic-a', site: 'cleveland', numTrain: 199 },
  { clinicId: 'clinic-b', site: 'hungarian', numTrain: 300 },
];
const P = 14; // logistic regression on 13 features
const OPERATOR = 'operator-secret-for-tests';
const AUDITOR = 'auditor-secret-for-tests';
const UPLOAD = '/cohort.v1.Federation/UploadUpdate';

function upload(client: FederationClient, clinicId: string, task: Task__Output, delta: Float32Array, numSamples: number) {
  return client.uploadUpdate({
    clinicId,
    studyId: task.studyId,
    round: task.round,
    modelVersion: task.modelVersion,
    codec: 'plain-f32',
    numSamples,
    trainLoss: 0.5,
    payload: plainFloat32Codec.encode(delta),
  });
}

describe('coordinator over real gRPC and HTTP', () => {
  let coordinator: RunningCoordinator;
  let events: FederationEvent[];
  /** HTTPS to the coordinator, trusting the loopback CA, with a role's token (default the operator's; null for none). */
  let http: (path: string, init?: RequestInit & { token?: string | null }) => Promise<Response>;

  beforeAll(async () => {
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
    http = (path, { token = OPERATOR, headers, ...init } = {}) =>
      https(`${coordinator.httpUrl}${path}`, {
        ...init,
        headers: { ...(headers as Record<string, string>), ...(token !== null && { authorization: `Bearer ${token}` }) },
      });
    events = [];
    coordinator.federation.events$.subscribe((e) => events.push(e));
  });
  afterAll(async () => coordinator.close());

  it('runs rounds with FedAvg, refuses every kind of bad upload with a clear status, and loses nothing', async () => {
    const study = await coordinator.federation.createStudy(
      parseStudyConfig({ dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds: 2, quorum: 2, roundTimeoutS: 60, seed: 3 }),
    );
    const [a, b] = await Promise.all(SITES.map((s) => connect(coordinator, s.clinicId, s.site, s.numTrain)));
    const taskA = await a!.nextOf('TASK_KIND_TRAIN');
    const taskB = await b!.nextOf('TASK_KIND_TRAIN');
    expect(taskA).toMatchObject({ studyId: study.id, round: 1, modelVersion: 0, codec: 'plain-f32', dataset: 'fed-heart-disease' });
    expect(taskA.model).toMatchObject({ architecture: 'logistic-regression', inputDim: 13, numParameters: P });
    expect(taskA.training!.seed).not.toBe(taskB.training!.seed);

    const initial = await a!.client.downloadPlainModel('clinic-a', study.id, 0);
    expect(initial).toHaveLength(P);

    // Wrong length, refused from the header before any data is kept.
    expect(await refusal(upload(a!.client, 'clinic-a', taskA, new Float32Array(P + 1), 199))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('wrong update length: the model has 14 parameters (56 bytes as plain-f32), the header declares 60 bytes'),
    });
    // NaN and Inf.
    for (const bad of [NaN, Infinity]) {
      const delta = new Float32Array(P);
      delta[5] = bad;
      expect(await refusal(upload(a!.client, 'clinic-a', taskA, delta, 199))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: `update from clinic-a: parameter 5 is ${bad}: updates must be finite`,
      });
    }
    // A chunk stream cut short: the header promises more bytes than arrive.
    const raw = createGrpcClient(coordinator.grpcAddress, a!.connection);
    const payload = plainFloat32Codec.encode(new Float32Array(P).fill(0.1));
    const cutShort = a!.rawUpload(
      {
        clinicId: 'clinic-a',
        studyId: study.id,
        round: 1,
        modelVersion: 0,
        codec: 'plain-f32',
        numSamples: 199,
        totalBytes: payload.length,
        sha256: sha256(payload),
      },
      payload.subarray(0, 20),
    );
    expect(await cutShort).toMatchObject({
      code: status.DATA_LOSS,
      details: expect.stringContaining('stream ended after 20 of 56 declared bytes (cut short)'),
    });
    // Data before the header: refused before any handler sees it, since only the header names the signer's clinic.
    const headless = new Promise<ServiceError | null>((resolve) => {
      const call = raw.uploadUpdate((error) => resolve(error));
      call.write({ data: Buffer.alloc(8) });
      call.end();
    });
    expect(await headless).toMatchObject({ code: status.INVALID_ARGUMENT, details: `${UPLOAD}: the first message must name the calling clinic` });
    // An update in another clinic's name, unsigned, from a clinic that is not enrolled, and from one enrolled but never registered.
    expect(await refusal(upload(a!.client, 'clinic-z', taskA, new Float32Array(P), 10))).toEqual({
      code: status.PERMISSION_DENIED,
      details: `${UPLOAD}: the request speaks for clinic "clinic-z" but is signed by clinic-a`,
    });
    const unsigned = await clientAs(coordinator, null);
    expect(await refusal(upload(unsigned, 'clinic-a', taskA, new Float32Array(P), 10))).toEqual({
      code: status.UNAUTHENTICATED,
      details: `${UPLOAD}: the call is not signed (metadata cohort-clinic-id is missing): clinics sign every call with their enrolled identity`,
    });
    unsigned.close();
    const stranger = await clientAs(coordinator, createIdentity('clinic-z'));
    expect(await refusal(upload(stranger, 'clinic-z', taskA, new Float32Array(P), 10))).toEqual({
      code: status.UNAUTHENTICATED,
      details: `${UPLOAD}: no enrolled clinic "clinic-z" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
    });
    stranger.close();
    const unregistered = await clientAs(coordinator, await enrolledIdentity(coordinator, 'clinic-z'));
    expect(await refusal(upload(unregistered, 'clinic-z', taskA, new Float32Array(P), 10))).toEqual({
      code: status.UNAUTHENTICATED,
      details: 'clinic "clinic-z" is not registered: call Register first',
    });
    unregistered.close();
    // A forged size is refused from the header, before anything is allocated for it.
    const forged = new Promise<ServiceError | null>((resolve) => {
      const call = raw.uploadUpdate((error) => resolve(error));
      call.write({
        header: {
          clinicId: 'clinic-a',
          studyId: study.id,
          round: 1,
          modelVersion: 0,
          codec: 'plain-f32',
          numSamples: 199,
          totalBytes: 2 ** 40,
          sha256: Buffer.alloc(32),
        },
      });
      call.write({ data: Buffer.alloc(1024) });
    });
    expect(await forged).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining(`the header declares ${2 ** 40} bytes`) });
    // A client that hangs up mid-stream.
    const hangUp = raw.uploadUpdate(() => undefined);
    hangUp.on('error', () => undefined);
    hangUp.write({
      header: {
        clinicId: 'clinic-a',
        studyId: study.id,
        round: 1,
        modelVersion: 0,
        codec: 'plain-f32',
        numSamples: 199,
        totalBytes: 56,
        sha256: Buffer.alloc(32),
      },
    });
    hangUp.write({ data: Buffer.alloc(16) });
    await new Promise((r) => setTimeout(r, 50));
    hangUp.cancel();
    await new Promise((r) => setTimeout(r, 50));
    raw.close();

    // Nothing of the above was stored: the round still waits for both clinics.
    const detail = async () => (await http(`/studies/${study.id}`)).json() as Promise<any>;
    expect((await detail()).roundHistory[0]).toMatchObject({ number: 1, status: 'open', updates: [] });

    // A good update, then the same clinic again with another update in the same round.
    const deltaA = new Float32Array(P).fill(1);
    await expect(upload(a!.client, 'clinic-a', taskA, deltaA, 100)).resolves.toMatchObject({ round: 1, receivedUpdates: 1 });
    expect(await refusal(upload(a!.client, 'clinic-a', taskA, new Float32Array(P).fill(2), 100))).toEqual({
      code: status.ALREADY_EXISTS,
      details: `clinic clinic-a already sent its update for round 1 of study ${study.id}`,
    });
    // More training samples than the operator approved for the clinic: its weight would be a lie.
    expect(await refusal(upload(b!.client, 'clinic-b', taskB, new Float32Array(P).fill(4), 301))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'update from clinic-b declares 301 training samples; the operator approved at most 300 for fed-heart-disease/hungarian',
    });
    // The last participant closes the round at once.
    const closed = firstValueFrom(coordinator.federation.events$.pipe(filter((e) => e.type === 'round-closed')));
    await upload(b!.client, 'clinic-b', taskB, new Float32Array(P).fill(4), 300);
    expect(await closed).toMatchObject({ round: 1, updates: 2, outcome: 'closed with all 2 updates' });

    // FedAvg: initial + (100 * 1 + 300 * 4) / 400 = initial + 3.25.
    const evaluate = await a!.nextOf('TASK_KIND_EVALUATE');
    expect(evaluate).toMatchObject({ modelVersion: 1 });
    const v1 = await a!.client.downloadPlainModel('clinic-a', study.id, 1);
    v1.forEach((w, i) => expect(w).toBeCloseTo(initial[i]! + 3.25, 5));
    const reportA = { clinicId: 'clinic-a', studyId: study.id, modelVersion: 1, numTest: 10, numCorrect: 7, accuracy: 0.7, loss: 0.6 };
    await a!.client.reportEvaluation(reportA);
    // Evaluations are facts: the same report again is acknowledged, a changed one refused.
    await a!.client.reportEvaluation(reportA);
    expect(await refusal(a!.client.reportEvaluation({ ...reportA, numCorrect: 10, accuracy: 1 }))).toEqual({
      code: status.ALREADY_EXISTS,
      details: `clinic clinic-a already reported its evaluation of model version 1 of study ${study.id} (7 correct of 10): a report cannot be changed`,
    });
    // The accuracy the counts give, and no more test records than approved.
    expect(await refusal(b!.client.reportEvaluation({ ...reportA, clinicId: 'clinic-b', numCorrect: 5, accuracy: 0.99999998 }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'evaluation accuracy 0.99999998 is not 5 correct of 10 (0.5)',
    });
    expect(await refusal(b!.client.reportEvaluation({ ...reportA, clinicId: 'clinic-b', numTest: 11, numCorrect: 5, accuracy: 5 / 11 }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'clinic clinic-b reports 11 test records; the operator approved at most 10',
    });
    // An approved clinic that was not connected when the round closed was not asked to evaluate it,
    // and cannot register for another site than approved.
    const away = await clientAs(coordinator, await enrolledIdentity(coordinator, 'clinic-away'));
    await coordinator.approvals.approve('clinic-away', { dataset: 'fed-heart-disease', site: 'switzerland.9', numTrain: 30, numTest: 16 });
    expect(
      await refusal(
        away.register({ clinicId: 'clinic-away', dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 30, numTest: 16, nodeVersion: 'test' }),
      ),
    ).toEqual({
      code: status.PERMISSION_DENIED,
      details: 'clinic clinic-away is approved for fed-heart-disease/switzerland.9, not fed-heart-disease/cleveland',
    });
    await away.register({ clinicId: 'clinic-away', dataset: 'fed-heart-disease', site: 'switzerland.9', numTrain: 30, numTest: 16, nodeVersion: 'test' });
    expect(await refusal(away.reportEvaluation({ ...reportA, clinicId: 'clinic-away' }))).toEqual({
      code: status.PERMISSION_DENIED,
      details: `clinic clinic-away was not asked to evaluate model version 1 of study ${study.id}`,
    });
    away.close();

    // An update for the closed round.
    expect(await refusal(upload(b!.client, 'clinic-b', taskB, new Float32Array(P), 300))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `round 1 of study ${study.id} is closed: it takes no more updates`,
    });
    // Unknown study and unknown version.
    expect(await refusal(upload(b!.client, 'clinic-b', { ...taskB, studyId: 'nope' }, new Float32Array(P), 1))).toMatchObject({ code: status.NOT_FOUND });
    expect(await refusal(a!.client.downloadPlainModel('clinic-a', study.id, 9))).toMatchObject({
      code: status.NOT_FOUND,
      details: `study ${study.id} has no model version 9 (yet)`,
    });

    // Round 2 completes the study.
    const [r2a, r2b] = [await a!.nextOf('TASK_KIND_TRAIN'), await b!.nextOf('TASK_KIND_TRAIN')];
    expect(r2a).toMatchObject({ round: 2, modelVersion: 1 });
    await upload(a!.client, 'clinic-a', r2a, new Float32Array(P), 100);
    await upload(b!.client, 'clinic-b', r2b!, new Float32Array(P), 300);
    expect(await a!.nextOf('TASK_KIND_STUDY_FINISHED')).toMatchObject({ studyStatus: 'completed' });

    const final = await detail();
    expect(final).toMatchObject({ status: 'completed', error: null, rounds: 2 });
    expect(final.roundHistory.map((r: any) => [r.number, r.status, r.updates.length])).toEqual([
      [1, 'closed', 2],
      [2, 'closed', 2],
    ]);
    expect(final.roundHistory[0].metrics).toEqual([{ clinic: 'clinic-a', site: 'cleveland', numTest: 10, accuracy: 0.7, cIndex: null, rmse: null, loss: 0.6 }]);
    expect(final.roundHistory[0].pooledCIndex).toBeNull();
    expect(await (await http('/health', { token: null })).json()).toMatchObject({ status: 'ok' });
    expect(await (await http('/ready', { token: null })).json()).toEqual({ status: 'ready', database: 'up', migrations: 'done', grpc: 'listening' });
    a!.close();
    b!.close();
  });

  it('fails a round visibly when fewer than the quorum report by the deadline', async () => {
    const study = await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease', rounds: 1, quorum: 2, roundTimeoutS: 0.5 }));
    const [a, b] = await Promise.all(SITES.map((s) => connect(coordinator, s.clinicId, s.site, s.numTrain)));
    const task = await a!.nextOf('TASK_KIND_TRAIN');
    await upload(a!.client, 'clinic-a', task, new Float32Array(P), 100);
    expect(await a!.nextOf('TASK_KIND_STUDY_FINISHED')).toMatchObject({ studyStatus: 'failed', message: expect.stringContaining('below the quorum of 2') });
    const detail = (await (await http(`/studies/${study.id}`, { token: AUDITOR })).json()) as any;
    expect(detail.status).toBe('failed');
    expect(detail.error).toBe('round 1 failed: timed out with 1 of 2 updates, below the quorum of 2');
    a!.close();
    b!.close();
  });

  it('gives a clinic that was away when the study ended the final evaluation and the end it missed', async () => {
    const study = await coordinator.federation.createStudy(
      parseStudyConfig({ dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds: 1, quorum: 2, minClinics: 2, roundTimeoutS: 60 }),
    );
    const [e, f] = await Promise.all([connect(coordinator, 'clinic-e', 'cleveland.2', 50), connect(coordinator, 'clinic-f', 'hungarian.2', 50)]);
    const taskE = await e!.nextOf('TASK_KIND_TRAIN', study.id);
    const taskF = await f!.nextOf('TASK_KIND_TRAIN', study.id);
    await upload(e!.client, 'clinic-e', taskE, new Float32Array(P).fill(0.1), 50);
    e!.close(); // away (or the coordinator stopped) when the round closes and the study ends
    await upload(f!.client, 'clinic-f', taskF, new Float32Array(P).fill(0.3), 50);
    expect(await f!.nextOf('TASK_KIND_EVALUATE', study.id)).toMatchObject({ modelVersion: 1 });
    await f!.client.reportEvaluation({ clinicId: 'clinic-f', studyId: study.id, modelVersion: 1, numTest: 10, numCorrect: 7, accuracy: 0.7, loss: 0.6 });
    expect(await f!.nextOf('TASK_KIND_STUDY_FINISHED', study.id)).toMatchObject({ studyStatus: 'completed' });
    f!.close();

    const back = await connect(coordinator, 'clinic-e', 'cleveland.2', 50);
    expect(await back.nextOf('TASK_KIND_EVALUATE', study.id)).toMatchObject({ modelVersion: 1, codec: 'plain-f32' });
    expect(await back.nextOf('TASK_KIND_STUDY_FINISHED', study.id)).toMatchObject({ studyStatus: 'completed', message: 'completed 1 rounds' });
    await back.client.reportEvaluation({ clinicId: 'clinic-e', studyId: study.id, modelVersion: 1, numTest: 10, numCorrect: 6, accuracy: 0.6, loss: 0.7 });
    back.close();
    const detail = (await (await http(`/studies/${study.id}`, { token: AUDITOR })).json()) as any;
    expect(detail.roundHistory[0].metrics.map((m: { clinic: string }) => m.clinic).sort()).toEqual(['clinic-e', 'clinic-f']);
  });

  it("moves updates and models larger than grpc-js's 4 MiB message limit, in chunks", async () => {
    // 13 x 80000 + 80000 + 80000 + 1 parameters: about 4.8 MB as float32.
    const study = await coordinator.federation.createStudy(
      parseStudyConfig({
        dataset: 'fed-heart-disease',
        strategy: { name: 'fedavg' },
        model: { architecture: 'mlp', hiddenUnits: [80000] },
        rounds: 1,
        quorum: 1,
        minClinics: 1,
      }),
    );
    const a = await connect(coordinator, 'clinic-big', 'va', 85);
    const task = await a.nextOf('TASK_KIND_TRAIN');
    const n = task.model!.numParameters;
    expect(n * 4).toBeGreaterThan(4 * 1024 * 1024);
    const initial = await a.client.downloadPlainModel('clinic-big', study.id, 0);
    expect(initial).toHaveLength(n);
    const delta = Float32Array.from({ length: n }, (_, i) => (i % 7) / 100);
    await upload(a.client, 'clinic-big', task, delta, 85);
    await a.nextOf('TASK_KIND_EVALUATE');
    const v1 = await a.client.downloadPlainModel('clinic-big', study.id, 1);
    for (const i of [0, 1, 6, n - 1]) expect(v1[i]).toBeCloseTo(initial[i]! + delta[i]!, 5);
    a.close();
  });

  it('refuses a malformed study definition with every problem listed', async () => {
    const response = await http('/studies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'fed-heart-disease', rounds: 0, strategy: { name: 'fedmagic' }, model: { architecture: 'mlp' } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.problems).toEqual(
      expect.arrayContaining([
        'model: mlp needs at least one hidden layer',
        `strategy.name "fedmagic" is unknown (known: ${STRATEGY_NAMES.join(', ')})`,
        'rounds must be an integer >= 1, got 0',
      ]),
    );
  });

  it('refuses a study with a misspelt field, naming the closest known one, and stores nothing', async () => {
    const before = ((await (await http('/studies')).json()) as unknown[]).length;
    const response = await http('/studies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'fed-heart-disease', privacy: 'dp', dp: { epsilon: 0.5 }, minclinics: 2 }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).problems).toEqual([
      'minclinics is not a known field (did you mean minClinics?)',
      'dp.epsilon is not a known field (did you mean dp.targetEpsilon?)',
    ]);
    expect(((await (await http('/studies')).json()) as unknown[]).length).toBe(before);
  });

  it('stores and shows the effective strategy, every default filled in', async () => {
    const response = await http('/studies', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ dataset: 'fed-heart-disease', minClinics: 99, strategy: { name: 'fedadam', serverLearningRate: 0.01 } }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const detail = (await (await http(`/studies/${id}`)).json()) as any;
    expect(detail.strategy).toEqual({ name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 });
  });

  it('enrols and approves clinics over HTTP: figures checked first, one site per clinic, declarations approved visibly', async () => {
    const post = (path: string, body: unknown) =>
      http(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as any,
      }));
    const card = (id: string) => cardToJson(cardOf(createIdentity(id)));
    const swiss = { dataset: 'fed-heart-disease', site: 'switzerland', numTrain: 30, numTest: 16 };

    // A bad approval stores nothing, not even the card.
    const bad = await post('/clinics/enrolled', { ...card('clinic-s'), approved: { ...swiss, numTrain: -1 } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'approval: numTrain must be a whole number in [1, 4294967295], got -1' } });
    const unknownField = await post('/clinics/enrolled', { ...card('clinic-s'), approved: { ...swiss, weight: 9 } });
    expect(unknownField).toMatchObject({ status: 400, body: { message: 'an approval has dataset, site, numTrain and numTest; unknown: weight' } });
    const misspelt = await post('/clinics/enrolled', {
      ...card('clinic-s'),
      approved: { dataset: 'fed-heart-disease', site: 'switzerland', numTrain: 30, numtest: 16 },
    });
    expect(misspelt).toMatchObject({
      status: 400,
      body: { message: 'an approval has dataset, site, numTrain and numTest; unknown: numtest (did you mean numTest?)' },
    });
    const enrolments = async () => (await (await http('/clinics', { token: AUDITOR })).json()) as { clinicId: string; approval: unknown }[];
    expect((await enrolments()).map((e) => e.clinicId)).not.toContain('clinic-s');

    const enrolled = await post('/clinics/enrolled', { ...card('clinic-s'), approved: swiss });
    expect(enrolled).toMatchObject({ status: 201, body: { clinicId: 'clinic-s', created: true, approval: { ...swiss, source: 'operator' } } });
    // The site is held: another clinic cannot be approved for it, at enrolment or later.
    expect(await post('/clinics/enrolled', { ...card('clinic-t'), approved: swiss })).toMatchObject({
      status: 409,
      body: { message: 'site fed-heart-disease/switzerland is held by clinic clinic-s: one site, one clinic (revoke it first)' },
    });
    expect((await enrolments()).map((e) => e.clinicId)).not.toContain('clinic-t');

    // Enrolled without figures, registered with its own declaration, then approved as declared.
    const identity = createIdentity('clinic-u');
    await post('/clinics/enrolled', cardToJson(cardOf(identity)));
    expect((await enrolments()).find((e) => e.clinicId === 'clinic-u')?.approval).toBeNull();
    const client = await clientAs(coordinator, identity);
    await client.register({ clinicId: 'clinic-u', dataset: 'fed-heart-disease', site: 'va.7', numTrain: 40, numTest: 9, nodeVersion: 'test' });
    client.close();
    expect(await post('/clinics/clinic-u/approve', { declared: true })).toMatchObject({
      status: 200,
      body: { dataset: 'fed-heart-disease', site: 'va.7', numTrain: 40, numTest: 9, source: 'declaration' },
    });
    expect(await post('/clinics/nobody/approve', swiss)).toMatchObject({ status: 404 });
    expect((await http('/clinics/clinic-u/approve', { method: 'POST', token: AUDITOR })).status).toBe(403);
  });

  it('serves HTTP by role: health to anyone, reads to the operator and the auditor, writes to the operator alone', async () => {
    const define = (token: string | null) =>
      http('/studies', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataset: 'fed-heart-disease', minClinics: 99 }),
        token,
      });
    expect((await http('/health', { token: null })).status).toBe(200);
    expect((await http('/studies', { token: null })).status).toBe(401);
    expect((await http('/studies', { token: 'wrong' })).status).toBe(401);
    expect((await http('/studies', { token: AUDITOR })).status).toBe(200);
    expect((await http('/studies', { token: OPERATOR })).status).toBe(200);
    const byAuditor = await define(AUDITOR);
    expect({ status: byAuditor.status, message: ((await byAuditor.json()) as { message: string }).message }).toEqual({
      status: 403,
      message: 'the auditor role cannot POST /studies: auditors read, they change nothing',
    });
    expect((await define(null)).status).toBe(401);
    expect((await define(OPERATOR)).status).toBe(201);
  });
});
