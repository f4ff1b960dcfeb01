import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadSiteDataset, type SiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { runNode, type NodeSummary } from '../clinic-node/node-agent.js';
import { RevealJournal } from '../clinic-node/resilience/index.js';
import { initialParameters } from '../common/model-spec.js';
import { freePort } from '../common/net.js';
import { advertToWire, neighboursFromWire, sealedFromWire, sealedToWire, secAggRoundId, shareToWire } from '../wire/secagg-wire.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { parseStudyConfig, startCoordinator, type FederationEvent, type RunningCoordinator } from '../coordinator/index.js';
import { createIdentity, fixedPointFor, MASKED_INPUT_CODEC, quantizeWeighted, SecAggClient, wordsToBytes, type LedgerEntry } from '../crypto/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { DATA_DIR } from './support/data-dir.js';
import { connect, refusal } from './support/scripted-clinic.js';
import { enrolForSite } from './support/approvals.js';
import { describeEachBackend, freshDatabase, query, type Backend, type TestDatabase } from './support/databases.js';

// A coordinator restart during a secure-aggregation round: the round runs again as a fresh attempt
// of the same round number, with fresh keys, and the study goes on. An in-process coordinator on a
// fixed port and database (a SQLite file, or a PostgreSQL database) is stopped mid-round (its connections dropped at once, as a killed
// process's are) and started again on the same port and database.
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'] as const;
const DATASET = 'fed-heart-disease';

let dir: string;
let tls: LoopbackTls;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-secagg-restart-'));
  tls = await loopbackTls();
});

/** Every database the coordinators made, dropped at the end whatever happened. */
const databases: TestDatabase[] = [];

afterAll(async () => {
  for (const database of databases) await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** A coordinator on a port and database that survive its restarts. */
class Coordinator {
  running!: RunningCoordinator;
  readonly events: FederationEvent[] = [];
  private readonly listeners: ((event: FederationEvent) => void)[] = [];

  private constructor(
    readonly root: string,
    readonly port: number,
    readonly database: TestDatabase,
  ) {}

  static async create(name: string, backend: Backend): Promise<Coordinator> {
    const root = join(dir, `${name}-${backend}`);
    mkdirSync(root);
    const database = await freshDatabase(backend, root);
    databases.push(database);
    const coordinator = new Coordinator(root, await freePort(), database);
    await coordinator.start();
    return coordinator;
  }

  async start(): Promise<void> {
    this.running = await startCoordinator({
      grpcPort: this.port,
      httpPort: 0,
      database: this.database.database,
      logLevels: false,
      tls: tls.server,
    });
    this.running.federation.events$.subscribe((event) => {
      this.events.push(event);
      this.listeners.forEach((listener) => listener(event));
    });
  }

  /** Resolves with the first event (from now) that `match` accepts; `then` runs inside the event's delivery. */
  when(match: (event: FederationEvent) => boolean, then: () => void = () => undefined): Promise<FederationEvent> {
    return new Promise((resolve) => {
      const listener = (event: FederationEvent) => {
        if (!match(event)) return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        then();
        resolve(event);
      };
      this.listeners.push(listener);
    });
  }

  /** What a kill does to the clinics: every connection dropped and the port closed, at once. */
  dropConnections(): void {
    const transport = this.running.app.getMicroservices()[0]!.getTransportServer() as unknown as { grpcClient: Server };
    transport.grpcClient.forceShutdown();
  }

  async restart(): Promise<void> {
    await this.running.close();
    await this.start();
  }

  query<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return query<T>(this.running.app.get(DataSource), sql, parameters);
  }

  async model(studyId: string, version: number): Promise<Float32Array> {
    const { bytes } = await this.running.federation.modelBytes(studyId, version);
    return new Float32Array(new Uint8Array(bytes).slice().buffer);
  }

  close(): Promise<void> {
    return this.running.close();
  }
}

describeEachBackend('a coordinator restart during a secure-aggregation round', (backend) => {
  it('scripted clinics: the round runs again as attempt 1, attempt-0 messages are refused, the stored masked inputs go, and the sum is exact', async () => {
    const coordinator = await Coordinator.create('scripted', backend);
    const identities = SITES.map((site) => createIdentity(site));
    const numTrain = [199, 172, 30, 85];
    const params = 14;
    let clinics = await Promise.all(SITES.map((site, i) => connect(coordinator.running, site, site, numTrain[i]!, { identity: identities[i]! })));
    const { id: studyId } = await coordinator.running.federation.createStudy(
      parseStudyConfig({
        dataset: DATASET,
        privacy: 'secagg',
        rounds: 1,
        quorum: 3,
        minClinics: 4,
        roundTimeoutS: 60,
        strategy: { name: 'fedavg', serverLearningRate: 1 },
        secagg: { stageTimeoutS: 5 },
      }),
    );
    const deltaOf = (i: number) => Float32Array.from({ length: params }, (_, j) => 0.01 * (i + 1) * (j % 3 === 0 ? -1 : 1));
    const stage = (i: number, attempt: number) => ({ clinicId: SITES[i]!, studyId, round: 1, attempt });
    /** Adverts and shares of every clinic in `attempt`, then masked inputs of `uploaders`. */
    const run = async (tasks: Task__Output[], attempt: number, uploaders: number[]) => {
      const roundId = secAggRoundId(studyId, 1, attempt);
      const protocols = identities.map((identity) => new SecAggClient(identity, roundId));
      const views = await Promise.all(clinics.map((c, i) => c.client.secAggAdvertise(advertToWire(protocols[i]!.advert, studyId, 1, attempt))));
      const deliveries = await Promise.all(
        clinics.map((c, i) =>
          c.client.secAggShareKeys({ ...stage(i, attempt), shares: protocols[i]!.shareKeys(neighboursFromWire(views[i]!, roundId)).map(sealedToWire) }),
        ),
      );
      protocols.forEach((p, i) => p.receiveShares(deliveries[i]!.shares.map((box) => sealedFromWire(box, roundId))));
      for (const i of uploaders) {
        const fixedPoint = fixedPointFor(tasks[i]!.secagg!.clipRange, Number(tasks[i]!.secagg!.maxTotalWeight));
        const masked = protocols[i]!.maskInput(quantizeWeighted(deltaOf(i), numTrain[i]!, fixedPoint).words);
        await clinics[i]!.client.uploadUpdate({
          clinicId: SITES[i]!,
          studyId,
          round: 1,
          modelVersion: 0,
          codec: MASKED_INPUT_CODEC,
          numSamples: 0,
          trainLoss: 0,
          payload: wordsToBytes(masked),
        });
      }
      return protocols;
    };

    // Attempt 0: keys advertised and shared, two masked inputs stored; then the coordinator dies.
    const first = await Promise.all(clinics.map((c) => c.nextOf('TASK_KIND_TRAIN', studyId)));
    expect(first.map((t) => t.secagg!.attempt)).toEqual([0, 0, 0, 0]);
    const attempt0 = await run(first, 0, [0, 1]);
    expect(await coordinator.query('SELECT clinic_id FROM received_updates WHERE study_id = ? ORDER BY clinic_id', [studyId])).toEqual([
      { clinic_id: 'cleveland' },
      { clinic_id: 'hungarian' },
    ]);
    coordinator.dropConnections();
    clinics.forEach((c) => c.close());
    await coordinator.restart();

    // The clinics reconnect: each is handed the TRAIN task of attempt 1 (pendingTasks), same round, fresh deadline.
    clinics = await Promise.all(SITES.map((site, i) => connect(coordinator.running, site, site, numTrain[i]!, { identity: identities[i]! })));
    const second = await Promise.all(clinics.map((c) => c.nextOf('TASK_KIND_TRAIN', studyId)));
    expect(second.map((t) => [t.round, t.secagg!.attempt])).toEqual(SITES.map(() => [1, 1]));
    expect(Number(second[0]!.deadlineUnixMs)).toBeGreaterThan(Number(first[0]!.deadlineUnixMs));
    const [row] = await coordinator.query<{ attempt: number; status: string }>('SELECT attempt, status FROM rounds WHERE study_id = ? AND number = 1', [
      studyId,
    ]);
    expect(row).toEqual({ attempt: 1, status: 'open' });
    // The masked inputs of attempt 0 are gone (no one can unmask them); the restart is in the audit log once.
    expect(await coordinator.query('SELECT clinic_id FROM received_updates WHERE study_id = ?', [studyId])).toEqual([]);
    const restarted = await coordinator.query<{ natural_key: string; detail: string }>(
      "SELECT natural_key, detail FROM audit_events WHERE study_id = ? AND type = 'round-restarted'",
      [studyId],
    );
    expect(restarted.map((e) => e.natural_key)).toEqual([`round-restarted/${studyId}/1.1`]);
    expect(JSON.parse(restarted[0]!.detail)).toMatchObject({
      attempt: 1,
      previousAttempt: 0,
      discardedMaskedInputs: 2,
      reason: expect.stringMatching(/^the coordinator restarted during this secure-aggregation round/),
    });

    // cleveland's signed advert of attempt 0, replayed: as it was (attempt 0) the round has moved on;
    // claimed for attempt 1 it is bound to attempt 0's round id, so its signature fails.
    const replayed = advertToWire(attempt0[0]!.advert, studyId, 1, 0);
    expect(await refusal(clinics[0]!.client.secAggAdvertise(replayed))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: `round 1 of study ${studyId} is in attempt 1; attempt 0 is over (the coordinator restarted)`,
    });
    expect(await refusal(clinics[0]!.client.secAggAdvertise({ ...replayed, attempt: 1 }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'key advert of cleveland: signature does not verify with its enrolled key',
    });
    // So does a masked input of attempt 0 (bound to attempt 0's keys): this clinic has not shared keys in attempt 1.
    expect(
      (
        await refusal(
          clinics[2]!.client.uploadUpdate({
            clinicId: 'switzerland',
            studyId,
            round: 1,
            modelVersion: 0,
            codec: MASKED_INPUT_CODEC,
            numSamples: 0,
            trainLoss: 0,
            payload: new Uint8Array(4 * (params + 1)),
          }),
        )
      ).code,
    ).toBe(status.FAILED_PRECONDITION);

    // Attempt 1 runs through: all four masked inputs, three reveal, the round closes with the exact sum.
    const protocols = await run(second, 1, [0, 1, 2, 3]);
    const requests = await Promise.all(clinics.map((c, i) => c.client.secAggUnmaskRequest(stage(i, 1))));
    // An unmask request of attempt 0 finds attempt 0 over.
    expect((await refusal(clinics[0]!.client.secAggUnmaskRequest(stage(0, 0)))).code).toBe(status.FAILED_PRECONDITION);
    await Promise.all(clinics.map((c, i) => c.client.secAggRevealShares({ ...stage(i, 1), shares: protocols[i]!.reveal(requests[i]!).map(shareToWire) })));
    await clinics[0]!.nextOf('TASK_KIND_STUDY_FINISHED', studyId);
    expect(coordinator.events.find((e) => e.type === 'round-closed' && e.studyId === studyId)).toMatchObject({
      outcome: 'closed with the secure sum of 4 updates',
    });
    const model = await coordinator.model(studyId, 1);
    const initial = initialParameters({ architecture: 'logistic-regression', inputDim: 13, hiddenUnits: [], outputDim: 1 }, 42);
    const total = numTrain.reduce((a, b) => a + b, 0);
    const scale = fixedPointFor(8, total).scale;
    for (let j = 0; j < params; j++) {
      const mean = numTrain.reduce((sum, w, i) => sum + w * deltaOf(i)[j]!, 0) / total;
      expect(Math.abs(model[j]! - (initial[j]! + mean))).toBeLessThanOrEqual(2 / (scale * total) + 1e-7);
    }
    // Each clinic's update of attempt 1 is in the audit log beside those of attempt 0, under its own key.
    const received = await coordinator.query<{ natural_key: string }>(
      "SELECT natural_key FROM audit_events WHERE study_id = ? AND type = 'update-received' ORDER BY seq",
      [studyId],
    );
    expect(received.map((e) => e.natural_key)).toEqual([
      `update-received/${studyId}/1/cleveland`,
      `update-received/${studyId}/1/hungarian`,
      ...SITES.map((site) => `update-received/${studyId}/1.1/${site}`),
    ]);
    clinics.forEach((c) => c.close());
    await coordinator.close();
  }, 90_000);

  describe('real nodes', () => {
    let data: SiteDataset[];
    beforeAll(async () => {
      data = await Promise.all(SITES.map((site) => loadSiteDataset(DATASET, site, { dataDir: DATA_DIR })));
    });

    const STUDY = {
      dataset: DATASET,
      rounds: 3,
      quorum: 3,
      minClinics: 4,
      roundTimeoutS: 120,
      seed: 11,
      training: { batchSize: 8, localSteps: 5 },
      secagg: { stageTimeoutS: 5 },
    };
    const BUDGET = { epsilon: 1000, delta: 1e-3 };

    /** Four enrolled nodes on `coordinator` until the study finishes; their logs. */
    async function nodes(coordinator: Coordinator, name: string, privacy: string) {
      const keystores = SITES.map((site) => Keystore.create(join(coordinator.root, `${name}-${site}`), site));
      for (const [i, keystore] of keystores.entries()) await enrolForSite(coordinator.running, keystore.card, SITES[i]!);
      const logs = new Map<string, string[]>(SITES.map((site) => [site, []]));
      const summaries = Promise.all(
        SITES.map((site, i) =>
          runNode({
            coordinator: `127.0.0.1:${coordinator.port}`,
            dataset: DATASET,
            site,
            preloaded: data[i]!,
            keystore: keystores[i]!,
            credentials: tls.credentials(),
            exitWhenDone: true,
            reconnectBackoff: { baseMs: 50, capMs: 400 },
            ...(privacy === 'secagg+dp' ? { budget: BUDGET } : {}),
            log: (line) => logs.get(site)!.push(line),
          }),
        ),
      );
      return { keystores, logs, summaries };
    }

    async function uninterrupted(privacy: string): Promise<Float32Array> {
      const coordinator = await Coordinator.create(`plain-${privacy}`, backend);
      const { summaries } = await nodes(coordinator, 'n', privacy);
      const { id } = await coordinator.running.federation.createStudy(
        parseStudyConfig({ ...STUDY, privacy, ...(privacy === 'secagg+dp' ? { dp: { targetEpsilon: 50, delta: 1e-3, clipNorm: 1 } } : {}) }),
      );
      expect((await summaries).map((s) => s.studyStatus)).toEqual(SITES.map(() => 'completed'));
      const model = await coordinator.model(id, STUDY.rounds);
      await coordinator.close();
      return model;
    }

    /** Runs the study, stopping the coordinator once the first masked input of round 2 is stored, and restarting it. */
    async function interrupted(privacy: string) {
      const coordinator = await Coordinator.create(`restart-${privacy}`, backend);
      const { keystores, logs, summaries } = await nodes(coordinator, 'n', privacy);
      const { id } = await coordinator.running.federation.createStudy(
        parseStudyConfig({ ...STUDY, privacy, ...(privacy === 'secagg+dp' ? { dp: { targetEpsilon: 50, delta: 1e-3, clipNorm: 1 } } : {}) }),
      );
      // After the adverts and shares of round 2, with a masked input already stored: killed.
      await coordinator.when(
        (e) => e.type === 'update-received' && e.studyId === id && e.round === 2,
        () => coordinator.dropConnections(),
      );
      await coordinator.restart();
      const done: NodeSummary[] = await summaries;
      return { coordinator, id, keystores, logs, done };
    }

    it('secagg: the study completes, round 2 ran as attempt 1, and the final model equals an uninterrupted run with the same seed', async () => {
      const expected = await uninterrupted('secagg');
      const { coordinator, id, logs, done } = await interrupted('secagg');
      expect(done.map((s) => s.studyStatus)).toEqual(SITES.map(() => 'completed'));
      expect(await coordinator.query('SELECT number, attempt, status FROM rounds WHERE study_id = ? ORDER BY number', [id])).toEqual([
        { number: 1, attempt: 0, status: 'closed' },
        { number: 2, attempt: 1, status: 'closed' },
        { number: 3, attempt: 0, status: 'closed' },
      ]);
      const restarted = await coordinator.query<{ round: number; detail: string }>(
        "SELECT round, detail FROM audit_events WHERE study_id = ? AND type = 'round-restarted'",
        [id],
      );
      expect(restarted.map((e) => [e.round, (JSON.parse(e.detail) as { attempt: number }).attempt])).toEqual([[2, 1]]);
      expect(coordinator.events.find((e) => e.type === 'round-closed' && e.studyId === id && e.round === 2)).toMatchObject({
        outcome: 'closed with the secure sum of 4 updates',
      });
      // Plain secagg: training is deterministic from the task's seed and the sum exact, so the model is the same bits.
      expect(Buffer.from((await coordinator.model(id, STUDY.rounds)).buffer)).toEqual(Buffer.from(expected.buffer));
      for (const site of SITES) expect(logs.get(site)!.filter((line) => /round 2 trained .* securely aggregated/.test(line))).toHaveLength(1);
      await coordinator.close();
    }, 240_000);

    it('secagg+dp: every node rejoins attempt 1 under its one spend for the round (none had revealed)', async () => {
      const { coordinator, id, keystores, done } = await interrupted('secagg+dp');
      expect(done.map((s) => s.studyStatus)).toEqual(SITES.map(() => 'completed'));
      const [row] = await coordinator.query<{ attempt: number }>('SELECT attempt FROM rounds WHERE study_id = ? AND number = 2', [id]);
      expect(row!.attempt).toBe(1);
      for (const keystore of keystores) {
        const ledger = readFileSync(join(keystore.dir, 'privacy-ledger.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as LedgerEntry);
        expect(ledger.map((e) => [e.kind, e.round])).toEqual([
          ['spend', 1],
          ['spend', 2],
          ['spend', 3],
        ]);
        const stored = await coordinator.query('SELECT seq FROM ledger_entries WHERE clinic_id = ? AND study_id = ? AND round = 2', [keystore.clinicId, id]);
        expect(stored).toHaveLength(1);
        // Each reveal was noted before the shares left the node: round 2's in attempt 1.
        const reveals = await RevealJournal.open(join(keystore.dir, 'revealed'));
        expect([1, 2, 3].map((round) => reveals.revealed(id, round)?.attempt)).toEqual([0, 1, 0]);
      }
      await coordinator.close();
    }, 240_000);
  });
});
