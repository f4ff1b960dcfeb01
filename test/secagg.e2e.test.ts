import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { advertToWire, neighboursFromWire, sealedFromWire, sealedToWire, secAggRoundId, shareToWire } from '../wire/secagg-wire.js';
import { initialParameters } from '../common/model-spec.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { parseStudyConfig, startCoordinator, type FederationEvent, type RunningCoordinator } from '../coordinator/index.js';
import {
  cardOf,
  createIdentity,
  fixedPointFor,
  MASKED_INPUT_CODEC,
  quantizeWeighted,
  SecAggClient,
  signShare,
  wordsToBytes,
  type ClinicIdentity,
} from '../crypto/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { clientAs, connect, refusal } from './support/scripted-clinic.js';

// Secure aggregation over the real gRPC contract, with scripted clinics so the test decides who
// answers which stage: bad input at every stage, a clinic recovered after dropping before unmasking,
// and a round that cannot unmask failing cleanly with its reason and nothing stored.
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const NUM_TRAIN = [199, 172, 30, 85];
const PARAMS = 14;

let dir: string;
let coordinator: RunningCoordinator;
let clinics: Awaited<ReturnType<typeof connect>>[];
let identities: ClinicIdentity[];
/** Enrolled and registered, never watching tasks: never selected. */
let mallory: ClinicIdentity;
let studyId: string;
const events: FederationEvent[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-'));
  coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    database: join(dir, 'coordinator.sqlite'),
    logLevels: false,
    tls: (await loopbackTls()).server,
  });
  coordinator.federation.events$.subscribe((e) => events.push(e));
  identities = SITES.map((site) => createIdentity(site));
  mallory = createIdentity('mallory');
  for (const identity of [...identities, mallory]) await coordinator.keys.enrol(cardOf(identity));
  clinics = await Promise.all(SITES.map((site, i) => connect(coordinator, site, site, NUM_TRAIN[i]!, { identity: identities[i]! })));
  // Registered and enrolled, but not watching: never selected.
  const malloryClient = await clientAs(coordinator, mallory);
  await coordinator.approvals.approve('mallory', { dataset: 'fed-heart-disease', site: 'va.2', numTrain: 10, numTest: 1 });
  await malloryClient.register({ clinicId: 'mallory', dataset: 'fed-heart-disease', site: 'va.2', numTrain: 10, numTest: 1, nodeVersion: 'test' });
  malloryClient.close();
  const study = await coordinator.federation.createStudy(
    parseStudyConfig({
      dataset: 'fed-heart-disease',
      privacy: 'secagg',
      rounds: 2,
      quorum: 3,
      minClinics: 4,
      roundTimeoutS: 8,
      strategy: { name: 'fedavg', serverLearningRate: 1 },
      secagg: { stageTimeoutS: 2 },
    }),
  );
  studyId = study.id;
}, 30_000);

afterAll(async () => {
  clinics.forEach((c) => c.close());
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
});

const stage = (i: number, round: number) => ({ clinicId: SITES[i]!, studyId, round });
const deltaOf = (i: number) => Float32Array.from({ length: PARAMS }, (_, j) => 0.01 * (i + 1) * (j % 3 === 0 ? -1 : 1));

/** Runs the key stages for `who`, returning each clinic's protocol state after it received its shares. */
async function keyStages(tasks: Task__Output[], who: number[], round: number): Promise<Map<number, SecAggClient>> {
  const roundId = secAggRoundId(studyId, round);
  const protocols = new Map(who.map((i) => [i, new SecAggClient(identities[i]!, roundId)]));
  const views = await Promise.all(who.map((i) => clinics[i]!.client.secAggAdvertise(advertToWire(protocols.get(i)!.advert, studyId, round))));
  const deliveries = await Promise.all(
    who.map((i, k) =>
      clinics[i]!.client.secAggShareKeys({ ...stage(i, round), shares: protocols.get(i)!.shareKeys(neighboursFromWire(views[k]!, roundId)).map(sealedToWire) }),
    ),
  );
  who.forEach((i, k) => protocols.get(i)!.receiveShares(deliveries[k]!.shares.map((box) => sealedFromWire(box, roundId))));
  expect(tasks.every((t) => t.secagg?.threshold === 2 && t.secagg.degree === 3)).toBe(true);
  return protocols;
}

function maskedUpload(task: Task__Output, i: number, protocol: SecAggClient) {
  const fixedPoint = fixedPointFor(task.secagg!.clipRange, Number(task.secagg!.maxTotalWeight));
  const masked = protocol.maskInput(quantizeWeighted(deltaOf(i), NUM_TRAIN[i]!, fixedPoint).words);
  return clinics[i]!.client.uploadUpdate({
    ...stage(i, task.round),
    modelVersion: task.modelVersion,
    codec: MASKED_INPUT_CODEC,
    numSamples: 0,
    trainLoss: 0,
    payload: wordsToBytes(masked),
  });
}

describe('secure aggregation over gRPC', () => {
  let round1Adverts: Map<number, SecAggClient>;

  it('round 1: refuses bad input at each stage, recovers a clinic that drops before unmasking, and the sum is exact', async () => {
    const tasks = await Promise.all(clinics.map((c) => c.nextOf('TASK_KIND_TRAIN', studyId)));
    expect(tasks[0]).toMatchObject({ privacy: 'secagg', codec: MASKED_INPUT_CODEC, secagg: { threshold: 2, degree: 3, clipRange: 8, minContributors: 3 } });
    expect(Number(tasks[0]!.secagg!.maxTotalWeight)).toBe(NUM_TRAIN.reduce((a, b) => a + b, 0));
    const roundId = secAggRoundId(studyId, 1);

    // A forged advert (signed by a key that is not cleveland's), a clinic the round did not select.
    const forged = new SecAggClient(createIdentity('cleveland'), roundId).advert;
    expect(await refusal(clinics[0]!.client.secAggAdvertise(advertToWire(forged, studyId, 1)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'key advert of cleveland: signature does not verify with its enrolled key',
    });
    // Mallory's own signed call, with an advert under its enrolled key: refused by the round, not by authentication.
    const malloryClient = await clientAs(coordinator, mallory);
    const malloryAdvert = new SecAggClient(mallory, roundId).advert;
    expect(await refusal(malloryClient.secAggAdvertise(advertToWire(malloryAdvert, studyId, 1)))).toEqual({
      code: status.PERMISSION_DENIED,
      details: `clinic mallory was not selected for round ${roundId}`,
    });
    malloryClient.close();
    // Nor can a selected clinic carry it in: a call signed by cleveland speaks for cleveland only.
    expect(await refusal(clinics[0]!.client.secAggAdvertise(advertToWire(malloryAdvert, studyId, 1)))).toEqual({
      code: status.PERMISSION_DENIED,
      details: '/cohort.v1.Federation/SecAggAdvertise: the request speaks for clinic "mallory" but is signed by cleveland',
    });
    expect((await refusal(clinics[0]!.client.secAggAdvertise(advertToWire(forged, studyId, 7)))).code).toBe(status.NOT_FOUND);

    const protocols = await keyStages(tasks, [0, 1, 2, 3], 1);
    round1Adverts = protocols;

    // A masked input that states its weight in the clear is refused before it is read.
    const clear = await refusal(
      clinics[0]!.client.uploadUpdate({
        ...stage(0, 1),
        modelVersion: 0,
        codec: MASKED_INPUT_CODEC,
        numSamples: 199,
        trainLoss: 0,
        payload: new Uint8Array(4 * (PARAMS + 1)),
      }),
    );
    expect(clear).toEqual({ code: status.INVALID_ARGUMENT, details: 'a masked input carries its weight inside the masked words: num_samples must be 0' });
    await Promise.all([0, 1, 2, 3].map((i) => maskedUpload(tasks[i]!, i, protocols.get(i)!)));

    const requests = await Promise.all([0, 1, 2].map((i) => clinics[i]!.client.secAggUnmaskRequest(stage(i, 1))));
    expect(requests[0]).toEqual({ survivors: expect.arrayContaining(['hungarian', 'switzerland', 'va']), dropped: [] });
    const shares = [0, 1, 2].map((i, k) => protocols.get(i)!.reveal(requests[k]!));

    // A share that does not verify (its value altered), and both kinds of one peer's shares.
    const altered = shares[1]!.map((s, k) => (k === 0 ? { ...s, share: { ...s.share, y: s.share.y ^ 1n } } : s));
    expect((await refusal(clinics[1]!.client.secAggRevealShares({ ...stage(1, 1), shares: altered.map(shareToWire) }))).details).toMatch(
      /^the self-mask share of \S+ held by hungarian does not verify/,
    );
    const dealer = shares[1]![0]!.dealer;
    const keyShare = signShare(identities[SITES.indexOf(dealer)]!, { round: roundId, holder: 'hungarian', kind: 'mask-key', share: shares[1]![0]!.share });
    expect(await refusal(clinics[1]!.client.secAggRevealShares({ ...stage(1, 1), shares: [...shares[1]!, keyShare].map(shareToWire) }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: `clinic hungarian revealed both kinds of shares of ${dealer}: refused, none of its shares are used`,
    });
    // Nothing of the refused messages was kept: the honest ones are taken. va never reveals (it
    // dropped after sending its masked input): the stage closes at its timeout and va is recovered.
    for (const [k, i] of [0, 1, 2].entries())
      expect((await clinics[i]!.client.secAggRevealShares({ ...stage(i, 1), shares: shares[k]!.map(shareToWire) })).revealed).toBe(k + 1);

    await clinics[0]!.nextOf('TASK_KIND_EVALUATE', studyId);
    const closed = events.find((e) => e.type === 'round-closed' && e.studyId === studyId && e.round === 1);
    expect(closed).toMatchObject({ outcome: 'closed with the secure sum of 4 updates' });
    // FedAvg with server learning rate 1: the new model is the initial one plus the weighted mean.
    const { bytes } = await coordinator.federation.modelBytes(studyId, 1);
    const model = new Float32Array(new Uint8Array(bytes).buffer);
    const initial = initialParameters({ architecture: 'logistic-regression', inputDim: 13, hiddenUnits: [], outputDim: 1 }, 42);
    const total = NUM_TRAIN.reduce((a, b) => a + b, 0);
    const scale = fixedPointFor(8, total).scale;
    for (let j = 0; j < PARAMS; j++) {
      const mean = NUM_TRAIN.reduce((sum, w, i) => sum + w * deltaOf(i)[j]!, 0) / total;
      expect(Math.abs(model[j]! - (initial[j]! + mean))).toBeLessThanOrEqual(2 / (scale * total) + 1e-7);
    }
  }, 60_000);

  it('round 2: a replayed round-1 advert is refused; two clinics dropping before masked input leave too few to unmask, and the round fails with nothing stored', async () => {
    const tasks = await Promise.all(clinics.map((c) => c.nextOf('TASK_KIND_TRAIN', studyId)));
    expect(tasks[0]!.round).toBe(2);
    // The signed advert of round 1, sent again for round 2: bound to round 1, so its signature fails.
    expect(await refusal(clinics[0]!.client.secAggAdvertise(advertToWire(round1Adverts.get(0)!.advert, studyId, 2)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'key advert of cleveland: signature does not verify with its enrolled key',
    });
    // ...and for round 1 itself, which is over.
    expect((await refusal(clinics[0]!.client.secAggAdvertise(advertToWire(round1Adverts.get(0)!.advert, studyId, 1)))).code).toBe(status.FAILED_PRECONDITION);

    const protocols = await keyStages(tasks, [0, 1, 2, 3], 2);
    // Switzerland and va drop after sharing keys: cleveland and hungarian each keep one live neighbour, below the threshold of 2.
    await Promise.all([0, 1].map((i) => maskedUpload(tasks[i]!, i, protocols.get(i)!)));
    const waiting = await Promise.all([0, 1].map((i) => refusal(clinics[i]!.client.secAggUnmaskRequest(stage(i, 2)))));
    expect(waiting[0]!.code).toBe(status.FAILED_PRECONDITION);
    expect(waiting[0]!.details).toMatch(
      /secure aggregation .* aborted: round \S+#2: only 1 neighbours of (cleveland|hungarian) sent masked input, fewer than the threshold 2/,
    );

    const finished = await clinics[0]!.nextOf('TASK_KIND_STUDY_FINISHED', studyId);
    expect(finished.studyStatus).toBe('failed');
    expect(await coordinator.federation.studyError(studyId)).toMatch(/^round 2 failed: secure aggregation aborted: round \S+#2: only 1 neighbours of/);
    await expect(coordinator.federation.modelBytes(studyId, 2)).rejects.toThrow(`study ${studyId} has no model version 2`);
  }, 60_000);
});
