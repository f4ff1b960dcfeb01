import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { DataSource } from 'typeorm';
import { sha256 } from '../common/chunk-stream.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { generateStudyKey, Keystore, obtainStudyKey } from '../clinic-node/keys/index.js';
import { NodeProtocols } from '../clinic-node/protocols/index.js';
import { RevealJournal } from '../clinic-node/resilience/index.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { sqliteOptions } from '../coordinator/persistence/data-source.js';
import { ModelVersionEntity } from '../coordinator/persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../coordinator/persistence/entities/received-update.entity.js';
import { CkksAggregator, CkksContext, CkksSecretKey, CkksUpdateCodec, createIdentity, sealKey, type ClinicIdentity } from '../crypto/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { trustingFetch } from '../simulations/coordinator-process.js';
import { clientAs, connect, refusal } from './support/scripted-clinic.js';

const P = 14; // logistic regression on 13 features
const PARAMETER_SET = 'n8192-q60-s40';
const OPERATOR = 'operator-secret-for-tests';

const delta = (seed: number) => Float32Array.from({ length: P }, (_, i) => Math.sin(seed * 7 + i) / 10);

describe('privacy he: CKKS-encrypted updates over real gRPC, key ceremony, a coordinator without keys', () => {
  let workdir: string;
  let coordinator: RunningCoordinator;
  let keystores: Record<'a' | 'b', Keystore>;
  let ckks: CkksContext;
  /** GET over HTTPS (trusting the loopback CA) with the operator token. */
  let get: (path: string) => Promise<Response>;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'cohort-he-'));
    const tls = await loopbackTls();
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: join(workdir, 'coordinator.sqlite'),
      logLevels: false,
      tls: tls.server,
      operatorToken: OPERATOR,
    });
    const https = trustingFetch(tls.caPem);
    get = (path) => https(`${coordinator.httpUrl}${path}`, { headers: { authorization: `Bearer ${OPERATOR}` } });
    keystores = { a: Keystore.create(join(workdir, 'a'), 'clinic-a'), b: Keystore.create(join(workdir, 'b'), 'clinic-b') };
    for (const keystore of Object.values(keystores)) await coordinator.keys.enrol(keystore.card);
    ckks = await CkksContext.create(PARAMETER_SET);
  });
  afterAll(async () => {
    ckks.delete();
    await coordinator.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  const heStudy = (rounds = 2) =>
    coordinator.federation.createStudy(
      parseStudyConfig({ dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds, quorum: 2, roundTimeoutS: 60, seed: 5, privacy: 'he' }),
    );

  async function codecFor(keystore: Keystore, studyId: string): Promise<CkksUpdateCodec> {
    const client = await clientAs(coordinator, keystore.identity);
    try {
      const stored = await obtainStudyKey(client, keystore, studyId);
      return new CkksUpdateCodec(ckks, CkksSecretKey.fromBytes(ckks, stored.secretKey));
    } finally {
      client.close();
    }
  }

  it('refuses key envelopes not signed by an enrolled clinic, storing nothing; the study waits for a good ceremony', async () => {
    const study = await heStudy(1);
    const [clientA, clientB] = [await clientAs(coordinator, keystores.a.identity), await clientAs(coordinator, keystores.b.identity)];
    const envelopesBy = (sender: ClinicIdentity) =>
      Object.values(keystores).map((k) =>
        sealKey({ studyId: study.id, keyId: 'ab'.repeat(16), parameterSet: PARAMETER_SET, secretKey: new Uint8Array(64), sender, recipient: k.card }),
      );
    // A clinic that is not enrolled: its call is refused before its envelopes are looked at.
    const intruder = createIdentity('intruder');
    const intruderClient = await clientAs(coordinator, intruder);
    expect(await refusal(intruderClient.submitKeyEnvelopes(envelopesBy(intruder)))).toEqual({
      code: status.UNAUTHENTICATED,
      details:
        '/cohort.v1.Federation/SubmitKeyEnvelopes: no enrolled clinic "intruder" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)',
    });
    expect(await refusal(intruderClient.getKeyRoster('intruder', study.id))).toMatchObject({ code: status.UNAUTHENTICATED });
    intruderClient.close();
    // Claims to be clinic-a, signs with another key: the call's signature fails...
    const impostor = await clientAs(coordinator, { ...intruder, clinicId: 'clinic-a' });
    expect(await refusal(impostor.submitKeyEnvelopes(envelopesBy({ ...intruder, clinicId: 'clinic-a' })))).toEqual({
      code: status.UNAUTHENTICATED,
      details:
        '/cohort.v1.Federation/SubmitKeyEnvelopes: no enrolled clinic "clinic-a" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)',
    });
    impostor.close();
    // ...and envelopes signed with another key fail on their own, even on a call clinic-a signed.
    expect(await refusal(clientA.submitKeyEnvelopes(envelopesBy({ ...intruder, clinicId: 'clinic-a' })))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: `envelope 0 (for clinic-a): key envelope for clinic-a (study ${study.id}) is not signed by clinic-a's enrolled key`,
    });
    const roster = await clientA.getKeyRoster('clinic-a', study.id);
    expect(roster).toMatchObject({ parameterSet: PARAMETER_SET, keyId: '' });
    expect(roster.members.map((m) => m.clinicId)).toEqual(['clinic-a', 'clinic-b']);
    expect(await refusal(clientB.fetchKeyEnvelope('clinic-b', study.id))).toMatchObject({ code: status.NOT_FOUND });

    const { keyId, recipients } = await generateStudyKey(clientA, keystores.a, study.id);
    expect(recipients.map((r) => r.clinicId)).toEqual(['clinic-a', 'clinic-b']);
    // An empty ceremony carries nothing to sign: refused before any handler runs.
    expect(await refusal(clientA.submitKeyEnvelopes([]))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: '/cohort.v1.Federation/SubmitKeyEnvelopes: the call ended without a message; every call carries a request, signed by its clinic',
    });
    await expect(generateStudyKey(clientB, keystores.b, study.id)).rejects.toThrow(`study ${study.id} already has key ${keyId}; keys are per study`);
    expect((await obtainStudyKey(clientB, keystores.b, study.id)).keyId).toBe(keyId);
    const status_ = (await (await get(`/studies/${study.id}/keys`)).json()) as { keyId: string; holders: { clinicId: string }[] };
    expect(status_).toMatchObject({ keyId, generatedBy: 'clinic-a' });
    expect(status_.holders.map((h) => h.clinicId)).toEqual(['clinic-a', 'clinic-b']);
    expect((await get('/studies/no-such-study/keys')).status).toBe(404);
    const plain = await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease', minClinics: 99 }));
    const plainKeys = await get(`/studies/${plain.id}/keys`);
    expect({ status: plainKeys.status, body: await plainKeys.json() }).toMatchObject({
      status: 409,
      body: { message: `study ${plain.id} does not encrypt its updates (privacy none): it has no key` },
    });
    clientA.close();
    clientB.close();
  });

  it('sums encrypted updates without a key: stored updates are ciphertexts, the stored sum decrypts to the weighted mean; bad ciphertexts leave the round untouched', async () => {
    const study = await heStudy(2);
    const other = await heStudy(1);
    const [a, b] = await Promise.all([
      connect(coordinator, 'clinic-a', 'cleveland', 199, { identity: keystores.a.identity }),
      connect(coordinator, 'clinic-b', 'hungarian', 172, { identity: keystores.b.identity }),
    ]);
    const { keyId } = await generateStudyKey(a.client, keystores.a, study.id);
    const { keyId: otherKeyId } = await generateStudyKey(b.client, keystores.b, other.id);

    const taskA = await a.nextOf('TASK_KIND_TRAIN', study.id);
    const taskB = await b.nextOf('TASK_KIND_TRAIN', study.id);
    expect(taskA).toMatchObject({ studyId: study.id, codec: `ckks:${PARAMETER_SET}`, encryption: { parameterSet: PARAMETER_SET, keyId }, participants: 2 });
    expect(taskA.strategy).toMatchObject({ name: 'fedavg' });
    const [codecA, codecB] = [await codecFor(keystores.a, study.id), await codecFor(keystores.b, study.id)];
    const otherCodec = await codecFor(keystores.b, other.id);

    const header = (task: Task__Output, payload: Uint8Array, fields: Record<string, unknown> = {}) => ({
      clinicId: 'clinic-a',
      studyId: task.studyId,
      round: task.round,
      modelVersion: task.modelVersion,
      codec: `ckks:${PARAMETER_SET}`,
      numSamples: 0,
      trainLoss: 0.5,
      keyId,
      totalBytes: payload.length,
      sha256: sha256(payload),
      ...fields,
    });
    const send = (payload: Uint8Array, fields: Record<string, unknown> = {}) => a.rawUpload(header(taskA, payload, fields), payload);
    const good = codecA.encode(delta(1), 199, 2);
    const size = ckks.seededCiphertextBytes;
    const withCiphertext = (blob: Uint8Array) => {
      const bytes = Uint8Array.from(good);
      bytes.set(blob.subarray(0, size), 0);
      return bytes;
    };

    // A truncated ciphertext: refused from the header, before any data is read.
    expect(await send(good.subarray(0, size - 100))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: `wrong update length: the model has 14 parameters (${size} bytes as ckks:${PARAMETER_SET}), the header declares ${size - 100} bytes`,
    });
    // A forged SEAL header size inside an upload of the right length.
    const forged = Uint8Array.from(good);
    new DataView(forged.buffer).setBigUint64(8, 2n ** 40n, true);
    expect(await send(forged)).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: `update from clinic-a, ciphertext 0: header declares ${2n ** 40n} bytes, the blob has ${size}`,
    });
    // zlib and zstd blobs (decompression bombs included): refused from the SEAL header, never decompressed.
    for (const [mode, name] of [
      [1, 'zlib'],
      [2, 'zstd'],
    ] as const) {
      const bomb = Uint8Array.from(good);
      bomb[5] = mode;
      bomb.fill(0, 16);
      expect(await send(bomb)).toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: `update from clinic-a, ciphertext 0: compressed with ${name}; only uncompressed ciphertexts are accepted`,
      });
    }
    // Another parameter set of the same size (scale 2^30).
    const s30 = await CkksContext.create('n8192-q60-s30');
    const s30Key = CkksSecretKey.generate(s30);
    const s30Codec = new CkksUpdateCodec(s30, s30Key);
    expect(await send(withCiphertext(s30Codec.encode(delta(1), 199)))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'update from clinic-a, ciphertext 0: scale 2^30.00, expected 2^40',
    });
    s30Codec.delete();
    s30Key.delete();
    s30.delete();
    // A ciphertext under the key of another study.
    expect(await send(otherCodec.encode(delta(1), 199), { keyId: otherKeyId })).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: `update from clinic-a is encrypted under key "${otherKeyId}", study ${study.id} uses key ${keyId}`,
    });
    // The sample count in the clear.
    expect(await send(good, { numSamples: 199 })).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'an encrypted update carries its sample count inside the ciphertext: num_samples must be 0',
    });
    // A stream cut short.
    expect(await a.rawUpload(header(taskA, good), good.subarray(0, 1000))).toMatchObject({ code: status.DATA_LOSS });

    // The round is untouched: open, no update.
    const detail = async () => (await get(`/studies/${study.id}`)).json() as Promise<any>;
    expect((await detail()).roundHistory[0]).toMatchObject({ number: 1, status: 'open', updates: [] });

    // Two good updates close the round.
    const closed = firstValueFrom(coordinator.federation.events$.pipe(filter((e) => e.type === 'round-closed' && e.studyId === study.id)));
    expect(await send(good)).toBeNull();
    const goodB = codecB.encode(delta(2), 172, 2);
    expect(await b.rawUpload({ ...header(taskB, goodB), clinicId: 'clinic-b' }, goodB)).toBeNull();
    expect(await closed).toMatchObject({ round: 1, updates: 2, outcome: 'closed with all 2 updates' });

    // What the coordinator holds: read straight from its database.
    const db = new DataSource({ ...sqliteOptions(join(workdir, 'coordinator.sqlite')), migrationsRun: false });
    await db.initialize();
    try {
      const stored = await db.getRepository(ReceivedUpdateEntity).findBy({ studyId: study.id, round: 1 });
      expect(stored.map((u) => [u.clinicId, u.numSamples, u.codec])).toEqual(
        expect.arrayContaining([
          ['clinic-a', 0, `ckks:${PARAMETER_SET}`],
          ['clinic-b', 0, `ckks:${PARAMETER_SET}`],
        ]),
      );
      // Every stored update is a valid ciphertext for the study's parameters (checked by a keyless aggregator).
      const check = new CkksAggregator(ckks, P);
      for (const update of stored) check.add(update.payload, `stored update of ${update.clinicId}`);
      expect(check.count).toBe(2);
      check.delete();
      const version = await db.getRepository(ModelVersionEntity).findOneByOrFail({ studyId: study.id, version: 1 });
      expect(version).toMatchObject({ parameters: null, codec: `ckks:${PARAMETER_SET}`, keyId });
      // The stored sum, decrypted with the clinics' key, is the weighted mean of their plaintext updates.
      const { values, weight } = codecB.decode(version.payload!, P);
      expect(weight).toBe(371);
      const expected = Array.from({ length: P }, (_, i) => (199 * delta(1)[i]! + 172 * delta(2)[i]!) / 371);
      values.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-7));
    } finally {
      await db.destroy();
    }

    // The HTTP API has no parameters to show for an encrypted version.
    const model = (await (await get(`/studies/${study.id}/models/1`)).json()) as Record<string, unknown>;
    expect(model).toMatchObject({ encrypted: true, codec: `ckks:${PARAMETER_SET}`, keyId });
    expect(model['parameters']).toBeUndefined();

    // A clinic turns the sum into the global model: initial + weighted mean (FedAvg).
    const evaluate = await a.nextOf('TASK_KIND_EVALUATE', study.id);
    const client = await clientAs(coordinator, keystores.a.identity);
    const reveals = await RevealJournal.open(join(workdir, 'revealed-a'));
    const models = new NodeProtocols({ client, clinicId: 'clinic-a', keystore: keystores.a, reveals, log: () => undefined });
    const initial = await client.downloadPlainModel('clinic-a', study.id, 0);
    const v1 = await models.for(evaluate).model(evaluate);
    v1.forEach((w, i) => expect(Math.abs(w - (initial[i]! + (199 * delta(1)[i]! + 172 * delta(2)[i]!) / 371))).toBeLessThan(1e-6));
    await models.close();
    client.close();

    for (const codec of [codecA, codecB, otherCodec]) codec.delete();
    a.close();
    b.close();
  });

  it("the coordinator's code holds no secret key and has no decrypt path", () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        .map((entry) => join(entry.parentPath, entry.name));
    for (const file of sources(join(PACKAGE_ROOT, 'coordinator'))) {
      const text = readFileSync(file, 'utf8');
      for (const forbidden of ['SecretKey', 'Decryptor', 'decrypt(', 'CkksUpdateCodec', 'openEnvelope', 'Keystore', 'clinic-node/']) {
        expect({ file, forbidden, found: text.includes(forbidden) }).toEqual({ file, forbidden, found: false });
      }
    }
  });
});
