import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { request as httpsRequest } from 'node:https';
import { createGrpcClient } from '../clinic-node/client/federation-client.js';
import { signRequest, SIGNED_METADATA } from '../wire/request-signing.js';
import { channelCredentials, createCertificateAuthority, issueClientCertificate, issueServerCertificate } from '../common/tls/index.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { cardOf, createIdentity, type ClinicIdentity } from '../crypto/index.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import type { FederationClient as GrpcFederationClient } from '../protos/generated/cohort/v1/Federation.js';
import { describeEachBackend, freshDatabase, type TestDatabase } from './support/databases.js';

const OPERATOR = 'operator-secret';
const AUDITOR = 'auditor-secret';
const REGISTER = '/cohort.v1.Federation/Register';
const DOWNLOAD = '/cohort.v1.Federation/DownloadModel';

const registration = (clinicId: string) => ({ clinicId, dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 10, numTest: 5, nodeVersion: 'test' });

/** A unary call's outcome: its status code and details (0 and '' on success). */
function outcome(call: (done: (error: grpc.ServiceError | null) => void) => void): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => call((error) => resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' })));
}

/** JSON over HTTPS trusting the run's CA only. */
function https(url: string, caPem: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = httpsRequest(
      url,
      {
        method: init.method ?? 'GET',
        ca: caPem,
        headers: { ...(init.token && { authorization: `Bearer ${init.token}` }), ...(body && { 'content-type': 'application/json' }) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describeEachBackend('who may talk to the coordinator: enrolled identities, signed calls, TLS, roles', (backend) => {
  let database: TestDatabase;
  let tls: LoopbackTls & { caPem: string };
  let coordinator: RunningCoordinator;
  let clinic: ClinicIdentity;
  let client: GrpcFederationClient;
  /** A client that signs nothing itself: the test sets the metadata. */
  let bare: GrpcFederationClient;
  let studyA: string;
  let studyB: string;

  beforeAll(async () => {
    const ca = await createCertificateAuthority({ days: 2 });
    const server = await issueServerCertificate(ca, { days: 2 });
    tls = { server, credentials: () => channelCredentials({ caPem: ca.certPem }), caPem: ca.certPem };
    database = await freshDatabase(backend);
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: database.database,
      logLevels: false,
      tls: tls.server,
      operatorToken: OPERATOR,
      auditorToken: AUDITOR,
    });
    clinic = createIdentity('clinic-a');
    await coordinator.keys.enrol(cardOf(clinic));
    client = createGrpcClient(coordinator.grpcAddress, { identity: clinic, credentials: tls.credentials() });
    bare = createGrpcClient(coordinator.grpcAddress, { identity: null, credentials: tls.credentials() });
    const config = parseStudyConfig({ dataset: 'fed-heart-disease', rounds: 1, minClinics: 5, seed: 1 });
    studyA = (await coordinator.federation.createStudy(config)).id;
    studyB = (await coordinator.federation.createStudy(config)).id;
  });
  afterAll(async () => {
    client?.close();
    bare?.close();
    await coordinator?.close();
    await database?.drop();
  });

  it('an enrolled clinic signing its calls is served', async () => {
    expect(await outcome((done) => client.register(registration('clinic-a'), done))).toEqual({ code: grpc.status.OK, details: '' });
  });

  it('refuses an unsigned call, and a clinic that is not enrolled', async () => {
    expect(await outcome((done) => bare.register(registration('clinic-a'), done))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: the call is not signed (metadata cohort-clinic-id is missing): clinics sign every call with their enrolled identity`,
    });
    const stranger = createGrpcClient(coordinator.grpcAddress, { identity: createIdentity('stranger'), credentials: tls.credentials() });
    expect(await outcome((done) => stranger.register(registration('stranger'), done))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: no enrolled clinic "stranger" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
    });
    stranger.close();
  });

  it("refuses a wrong signature: another key under an enrolled clinic's name, with the same answer as for a stranger", async () => {
    const impostor = createIdentity('clinic-a'); // same id, keys the operator never enrolled
    const forged = createGrpcClient(coordinator.grpcAddress, { identity: impostor, credentials: tls.credentials() });
    expect(await outcome((done) => forged.register(registration('clinic-a'), done))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: no enrolled clinic "clinic-a" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
    });
    forged.close();
  });

  it('refuses a replayed call, and one signed outside the window', async () => {
    const message = registration('clinic-a');
    const metadata = signRequest(clinic, REGISTER, message);
    expect(await outcome((done) => bare.register(message, metadata.clone(), done))).toMatchObject({ code: grpc.status.OK });
    const replay = await outcome((done) => bare.register(message, metadata.clone(), done));
    expect(replay).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: replayed call: nonce ${metadata.get(SIGNED_METADATA.nonce)[0]} of clinic-a was already used`,
    });
    const stale = signRequest(clinic, REGISTER, message, Date.now() - 10 * 60_000);
    expect(await outcome((done) => bare.register(message, stale, done))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: the call was signed 600 s ago, outside the 300 s window (replayed, or the clinic's clock is off)`,
    });
  });

  it('refuses a signed call moved to another study, another round or model version, another method, or another clinic', async () => {
    const signedFor = { clinicId: 'clinic-a', studyId: studyA, modelVersion: 0 };
    const metadata = signRequest(clinic, DOWNLOAD, signedFor);
    const badSignature = {
      code: grpc.status.UNAUTHENTICATED,
      details: `${DOWNLOAD}: no enrolled clinic "clinic-a" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
    };
    const download = (request: typeof signedFor, md: grpc.Metadata) =>
      new Promise<{ code: number; details: string }>((resolve) => {
        const call = bare.downloadModel(request, md);
        call.on('data', () => undefined);
        call.on('error', (error: grpc.ServiceError) => resolve({ code: error.code, details: error.details }));
        call.on('end', () => resolve({ code: grpc.status.OK, details: '' }));
      });
    expect(await download({ ...signedFor, studyId: studyB }, metadata.clone())).toEqual(badSignature);
    expect(await download({ ...signedFor, modelVersion: 1 }, metadata.clone())).toEqual(badSignature);
    // A Register signed by clinic-a sent as a ledger-head request (another method) does not verify either.
    const asRegister = signRequest(clinic, REGISTER, { clinicId: 'clinic-a' });
    expect(await outcome((done) => bare.getLedgerHead({ clinicId: 'clinic-a' }, asRegister, done))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    // Signed by clinic-a, speaking for clinic-b.
    await coordinator.keys.enrol(cardOf(createIdentity('clinic-b')));
    expect(await outcome((done) => client.getLedgerHead({ clinicId: 'clinic-b' }, done))).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: '/cohort.v1.Federation/GetLedgerHead: the request speaks for clinic "clinic-b" but is signed by clinic-a',
    });
    // The untouched original still works: the refusals above burnt no nonce of it.
    expect(await download(signedFor, metadata.clone())).toEqual({ code: grpc.status.OK, details: '' });
  });

  it('refuses a revoked clinic (and tells only the clinic why), keeps its enrolment on record, and never takes its id back', async () => {
    const revocable = createIdentity('clinic-r');
    await coordinator.keys.enrol(cardOf(revocable));
    const rClient = createGrpcClient(coordinator.grpcAddress, { identity: revocable, credentials: tls.credentials() });
    expect(await outcome((done) => rClient.register(registration('clinic-r'), done))).toMatchObject({ code: grpc.status.OK });
    const tasks = rClient.watchTasks({ clinicId: 'clinic-r' });
    tasks.on('data', () => undefined);
    const streamEnded = new Promise<string>((resolve) => {
      tasks.on('end', () => resolve('ended'));
      tasks.on('error', (error: grpc.ServiceError) => resolve(`error ${error.code}`));
    });
    const revoked = await https(`${coordinator.httpUrl}/clinics/clinic-r/revoke`, tls.caPem, {
      method: 'POST',
      token: OPERATOR,
      body: { reason: 'laptop stolen' },
    });
    expect(revoked.status).toBe(200);
    expect(await streamEnded).toBe('ended'); // its open task stream is closed at once
    const refused = await outcome((done) => rClient.register(registration('clinic-r'), done));
    expect(refused.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(refused.details).toMatch(/^clinic clinic-r was revoked at \d{4}-\d\d-\d\dT[\d:.]+Z: laptop stolen$/);
    // Someone without the clinic's key learns nothing of its standing or the reason.
    const prober = createGrpcClient(coordinator.grpcAddress, { identity: createIdentity('clinic-r'), credentials: tls.credentials() });
    expect(await outcome((done) => prober.register(registration('clinic-r'), done))).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: `${REGISTER}: no enrolled clinic "clinic-r" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
    });
    prober.close();
    const listed = await https(`${coordinator.httpUrl}/clinics`, tls.caPem, { token: AUDITOR });
    expect(listed.body.find((c: { clinicId: string }) => c.clinicId === 'clinic-r')).toMatchObject({ revocationReason: 'laptop stolen' });
    expect(
      (await https(`${coordinator.httpUrl}/clinics/enrolled`, tls.caPem, { token: AUDITOR })).body.map((c: { clinicId: string }) => c.clinicId),
    ).not.toContain('clinic-r');
    // Its ledger is signed with the revoked keys: the id is never enrolled again, under any keys.
    for (const card of [cardOf(revocable), cardOf(createIdentity('clinic-r'))]) {
      await expect(coordinator.keys.enrol(card)).rejects.toThrow(/clinic clinic-r was revoked \(keys [0-9a-f:]+\) and revocation is final for its id/);
    }
    expect(await outcome((done) => rClient.register(registration('clinic-r'), done))).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    rClient.close();
  });

  it('a plaintext client cannot talk to a TLS coordinator, nor one trusting another CA', async () => {
    const plaintext = createGrpcClient(coordinator.grpcAddress, { identity: clinic, credentials: grpc.credentials.createInsecure() });
    const plain = await outcome((done) => plaintext.register(registration('clinic-a'), new grpc.Metadata(), { deadline: Date.now() + 5000 }, done));
    expect(plain.code).toBe(grpc.status.UNAVAILABLE);
    plaintext.close();
    const otherCa = await createCertificateAuthority({ days: 1 });
    const distrustful = createGrpcClient(coordinator.grpcAddress, { identity: clinic, credentials: channelCredentials({ caPem: otherCa.certPem }) });
    const wrongCa = await outcome((done) => distrustful.register(registration('clinic-a'), new grpc.Metadata(), { deadline: Date.now() + 5000 }, done));
    expect(wrongCa.code).toBe(grpc.status.UNAVAILABLE);
    distrustful.close();
  });

  it('an auditor reads and cannot change anything; no token, no access', async () => {
    const url = coordinator.httpUrl;
    expect((await https(`${url}/studies/${studyA}`, tls.caPem, { token: AUDITOR })).status).toBe(200);
    expect((await https(`${url}/audit/clinics`, tls.caPem, { token: AUDITOR })).status).toBe(200);
    const study = { dataset: 'fed-heart-disease', rounds: 1 };
    const writes = [
      { path: '/studies', body: study },
      { path: '/clinics/enrolled', body: { clinicId: 'x', signPublicKey: '', boxPublicKey: '' } },
      { path: '/clinics/clinic-a/revoke', body: { reason: 'auditor trying' } },
    ];
    for (const { path, body } of writes) {
      const answer = await https(`${url}${path}`, tls.caPem, { method: 'POST', token: AUDITOR, body });
      expect(answer).toEqual({
        status: 403,
        body: expect.objectContaining({ message: `the auditor role cannot POST ${path}: auditors read, they change nothing` }),
      });
    }
    // Nothing changed: no third study, clinic-a still in good standing.
    expect((await https(`${url}/studies`, tls.caPem, { token: AUDITOR })).body).toHaveLength(2);
    expect(await outcome((done) => client.register(registration('clinic-a'), done))).toMatchObject({ code: grpc.status.OK });
    expect((await https(`${url}/studies`, tls.caPem)).status).toBe(401);
    expect((await https(`${url}/studies`, tls.caPem, { token: 'wrong' })).status).toBe(401);
    expect((await https(`${url}/studies`, tls.caPem, { token: 'Bearer' })).status).toBe(401);
    expect((await https(`${url}/health`, tls.caPem)).status).toBe(200);
    expect((await https(`${url}/studies`, tls.caPem, { method: 'POST', token: OPERATOR, body: study })).status).toBe(201);
  });
});

describe('mutual TLS', () => {
  it('admits only clients holding a certificate from the consortium CA', async () => {
    const ca = await createCertificateAuthority({ days: 1 });
    const server = await issueServerCertificate(ca, { days: 1 });
    const coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: ':memory:',
      logLevels: false,
      tls: { ...server, caPem: ca.certPem, requireClientCertificate: true },
    });
    const identity = createIdentity('clinic-m');
    await coordinator.keys.enrol(cardOf(identity));
    const call = async (credentials: grpc.ChannelCredentials) => {
      const c = createGrpcClient(coordinator.grpcAddress, { identity, credentials });
      const result = await outcome((done) => c.register(registration('clinic-m'), new grpc.Metadata(), { deadline: Date.now() + 5000 }, done));
      c.close();
      return result.code;
    };
    try {
      expect(await call(channelCredentials({ caPem: ca.certPem }))).toBe(grpc.status.UNAVAILABLE);
      const foreign = await createCertificateAuthority({ days: 1 });
      expect(await call(channelCredentials({ caPem: ca.certPem, ...(await issueClientCertificate(foreign, { clinicId: 'clinic-m', days: 1 })) }))).toBe(
        grpc.status.UNAVAILABLE,
      );
      expect(await call(channelCredentials({ caPem: ca.certPem, ...(await issueClientCertificate(ca, { clinicId: 'clinic-m', days: 1 })) }))).toBe(
        grpc.status.OK,
      );
      // Another enrolled clinic's certificate cannot carry clinic-m's signed calls.
      await coordinator.keys.enrol(cardOf(createIdentity('clinic-n')));
      const borrowed = createGrpcClient(coordinator.grpcAddress, {
        identity,
        credentials: channelCredentials({ caPem: ca.certPem, ...(await issueClientCertificate(ca, { clinicId: 'clinic-n', days: 1 })) }),
      });
      expect(await outcome((done) => borrowed.register(registration('clinic-m'), done))).toEqual({
        code: grpc.status.PERMISSION_DENIED,
        details: "/cohort.v1.Federation/Register: the connection's client certificate is clinic-n's, the call is signed by clinic-m",
      });
      borrowed.close();
    } finally {
      await coordinator.close();
    }
  });

  it('a coordinator refuses one token for both roles', async () => {
    const tls = await loopbackTls();
    await expect(
      startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, tls: tls.server, operatorToken: 'same', auditorToken: 'same' }),
    ).rejects.toThrow('the operator and auditor tokens must differ: the token is what tells an auditor (read only) from the operator');
  });

  it('a coordinator without TLS starts only when told --insecure', async () => {
    await expect(startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false })).rejects.toThrow(
      'the coordinator serves clinics over TLS: give it a certificate and key (cohort certs init; --tls-cert, --tls-key), or start it with --insecure on a closed test network',
    );
    const insecure = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, insecure: true });
    expect(insecure.httpUrl).toMatch(/^http:/);
    await insecure.close();
  });
});

// loopbackTls is what simulations use; make sure it is the same machinery.
it('loopback TLS serves a coordinator', async () => {
  const tls = await loopbackTls();
  const coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, tls: tls.server });
  expect(coordinator.httpUrl).toMatch(/^https:/);
  await coordinator.close();
});
