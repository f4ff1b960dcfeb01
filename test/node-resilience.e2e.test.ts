import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Server } from '@grpc/grpc-js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { freePort } from '../common/net.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { loadSiteDataset, type SiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { runNode, type NodeOptions, type NodeSummary } from '../clinic-node/node-agent.js';
import { decodeOutboxEntry, TrainingJournal, type OutboxHeader } from '../clinic-node/resilience/index.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { DATA_DIR } from './support/data-dir.js';
import { enrolForSite } from './support/approvals.js';

// The clinic node against coordinator crashes and its own: an in-process coordinator on a fixed
// port and SQLite file, whose connections are dropped at a chosen moment of a node's round (as a
// killed process's are), then closed and started again on the same port and database.
const SITES = ['cleveland', 'hungarian'] as const;
const DATASET = 'fed-heart-disease';

let dir: string;
let tls: LoopbackTls;
let data: SiteDataset[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-resilience-'));
  tls = await loopbackTls();
  data = await Promise.all(SITES.map((site) => loadSiteDataset(DATASET, site, { dataDir: DATA_DIR })));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A coordinator on a port and database that survive its restarts, and enrolled clinics with their own state. */
class Federation {
  coordinator!: RunningCoordinator;
  readonly keystores: Keystore[];
  readonly logs = new Map<string, string[]>(SITES.map((site) => [site, []]));
  private readonly watchers: { site: string; pattern: RegExp; fire: (line: string) => void }[] = [];

  private constructor(
    readonly root: string,
    readonly port: number,
  ) {
    this.keystores = SITES.map((site) => Keystore.create(join(root, site), site));
  }

  static async create(name: string): Promise<Federation> {
    const federation = new Federation(join(dir, name), await freePort());
    await federation.start();
    for (const [i, keystore] of federation.keystores.entries()) await enrolForSite(federation.coordinator, keystore.card, SITES[i]!);
    return federation;
  }

  async start(): Promise<void> {
    this.coordinator = await startCoordinator({
      grpcPort: this.port,
      httpPort: 0,
      database: join(this.root, 'coordinator.sqlite'),
      logLevels: false,
      tls: tls.server,
    });
  }

  /**
   * What a killed coordinator does to its clinics, at once and in the middle of whatever they are
   * doing: every connection dropped and the port closed (grpc-js forceShutdown, synchronous). The
   * rest of the process is shut down by `close` afterwards.
   */
  dropConnections(): void {
    const transport = this.coordinator.app.getMicroservices()[0]!.getTransportServer() as unknown as { grpcClient: Server };
    transport.grpcClient.forceShutdown();
  }

  async restart(): Promise<void> {
    await this.coordinator.close();
    await this.start();
  }

  node(site: (typeof SITES)[number], extra: Partial<NodeOptions> = {}): Promise<NodeSummary> {
    const i = SITES.indexOf(site);
    const log = this.logs.get(site)!;
    return runNode({
      coordinator: `127.0.0.1:${this.port}`,
      dataset: DATASET,
      site,
      preloaded: data[i]!,
      keystore: this.keystores[i]!,
      credentials: tls.credentials(),
      exitWhenDone: true,
      reconnectBackoff: { baseMs: 50, capMs: 400 },
      ...extra,
      log: (line) => {
        log.push(line);
        for (const watcher of this.watchers.filter((w) => w.site === site && w.pattern.test(line))) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.fire(line);
        }
      },
    });
  }

  /** Resolves when `site`'s node logs a line matching `pattern`; `then` runs inside the log call, before the node goes on. */
  when(site: string, pattern: RegExp, then: () => void = () => undefined): Promise<string> {
    return new Promise((resolve) => this.watchers.push({ site, pattern, fire: (line) => (then(), resolve(line)) }));
  }

  stateDir(site: string): string {
    return this.keystores[SITES.indexOf(site as (typeof SITES)[number])]!.dir;
  }

  /** The outbox entries of a node, read without touching them. */
  outbox(site: string): OutboxHeader[] {
    const outbox = join(this.stateDir(site), 'outbox');
    if (!existsSync(outbox)) return [];
    return readdirSync(outbox).map((name) => decodeOutboxEntry(readFileSync(join(outbox, name))).header);
  }

  lines(site: string, pattern: RegExp): string[] {
    return this.logs.get(site)!.filter((line) => pattern.test(line));
  }

  /** What the coordinator stored: clinic, round and payload digest of every update of the study. */
  async storedUpdates(studyId: string): Promise<{ clinic_id: string; round: number; sha256: string }[]> {
    return this.coordinator.app
      .get(DataSource)
      .query('SELECT clinic_id, round, sha256 FROM received_updates WHERE study_id = ? ORDER BY round, clinic_id', [studyId]);
  }

  async close(): Promise<void> {
    await this.coordinator.close();
  }
}

function study(federation: Federation, settings: Record<string, unknown>) {
  return federation.coordinator.federation.createStudy(
    parseStudyConfig({ dataset: DATASET, rounds: 3, quorum: 2, minClinics: 2, roundTimeoutS: 120, training: { batchSize: 4, localSteps: 10 }, ...settings }),
  );
}

describe('clinic node resilience', () => {
  it('(a) reconnects by itself after the coordinator dies while it trains, and resends the same update rather than training again', async () => {
    const federation = await Federation.create('a');
    const { id } = await study(federation, {});
    // The coordinator dies the moment cleveland starts training round 2: the upload that follows cannot reach it.
    const killed = federation.when('cleveland', new RegExp(`training round 2 of study ${id}$`), () => federation.dropConnections());
    const nodes = Promise.all(SITES.map((site) => federation.node(site)));
    await killed;
    await federation.when('cleveland', /round 2 of study .*: update not delivered \((UNAVAILABLE|CANCELLED): .*\); it stays in the outbox/);
    const [kept] = federation.outbox('cleveland');
    expect(kept).toMatchObject({ clinicId: 'cleveland', studyId: id, round: 2, modelVersion: 1 });
    await federation.restart();

    const summaries = await nodes;
    expect(summaries.map((s) => [s.studyStatus, s.stopped])).toEqual([
      ['completed', 'finished'],
      ['completed', 'finished'],
    ]);
    const [cleveland] = summaries;
    expect(cleveland!.trainedRounds).toBe(3);
    expect(cleveland!.resentUpdates).toBe(1);
    // Round 2 was trained once, and what the coordinator holds is that one update, byte for byte.
    expect(federation.lines('cleveland', /: training round \d of study/)).toEqual([1, 2, 3].map((r) => `cleveland: training round ${r} of study ${id}`));
    expect(federation.lines('cleveland', /reconnected$/).length).toBeGreaterThanOrEqual(1);
    expect(federation.lines('cleveland', /resending the update of round 2 .* from the outbox/)).toHaveLength(1);
    const stored = await federation.storedUpdates(id);
    expect(stored.filter((u) => u.clinic_id === 'cleveland').map((u) => u.round)).toEqual([1, 2, 3]);
    expect(stored.find((u) => u.clinic_id === 'cleveland' && u.round === 2)!.sha256).toBe(kept!.sha256);
    expect(federation.outbox('cleveland')).toEqual([]);
    // Whatever hungarian was doing at the crash, it too trained each round once.
    expect(federation.lines('hungarian', /: training round \d of study/)).toHaveLength(3);
    await federation.close();
  });

  it('(b) stopped by its signal mid-round while the coordinator is down, keeps the update; restarted on the same state, resends it and trains on', async () => {
    const federation = await Federation.create('b');
    const { id } = await study(federation, {});
    const stop = new AbortController();
    federation.when('cleveland', new RegExp(`training round 2 of study ${id}$`), () => {
      federation.dropConnections();
      stop.abort();
    });
    const hungarian = federation.node('hungarian');
    const first = await federation.node('cleveland', { signal: stop.signal });
    expect(first).toMatchObject({ stopped: 'signal', trainedRounds: 1, studyStatus: null });
    expect(federation.lines('cleveland', /stopping: finishing round 2 of study/)).toEqual([
      `cleveland: stopping: finishing round 2 of study ${id} (at most 30 s)`,
    ]);
    expect(federation.logs.get('cleveland')!.at(-1)).toBe('cleveland: stopped');
    const [kept] = federation.outbox('cleveland');
    expect(kept).toMatchObject({ studyId: id, round: 2 });
    expect(readdirSync(join(federation.stateDir('cleveland'), 'training'))).toEqual([]); // the round's training was complete

    await federation.restart();
    federation.logs.set('cleveland', []);
    const second = await federation.node('cleveland');
    expect(second).toMatchObject({ stopped: 'finished', studyStatus: 'completed', trainedRounds: 1, resentUpdates: 1, abandonedRounds: [] });
    expect(federation.lines('cleveland', /update from an earlier run in the outbox/)).toEqual([
      'cleveland: 1 update from an earlier run in the outbox, resent once connected',
    ]);
    expect(federation.lines('cleveland', /: training round/)).toEqual([`cleveland: training round 3 of study ${id}`]);
    expect((await hungarian).studyStatus).toBe('completed');
    const stored = await federation.storedUpdates(id);
    expect(stored.find((u) => u.clinic_id === 'cleveland' && u.round === 2)!.sha256).toBe(kept!.sha256);
    expect(federation.outbox('cleveland')).toEqual([]);
    await federation.close();
  });

  it('(b) stopped by its signal mid-round with the coordinator up, finishes the round and sends it before stopping', async () => {
    const federation = await Federation.create('b2');
    // Quorum 1: hungarian finishes the study alone once cleveland has stopped.
    const { id } = await study(federation, { rounds: 2, quorum: 1, roundTimeoutS: 10 });
    const stop = new AbortController();
    federation.when('cleveland', new RegExp(`training round 1 of study ${id}$`), () => stop.abort());
    const [cleveland, hungarian] = await Promise.all([federation.node('cleveland', { signal: stop.signal }), federation.node('hungarian')]);
    expect(cleveland).toMatchObject({ stopped: 'signal', trainedRounds: 1, resentUpdates: 0 });
    expect(federation.lines('cleveland', /^cleveland: (stopping|round 1 trained|stopped)/)).toEqual([
      `cleveland: stopping: finishing round 1 of study ${id} (at most 30 s)`,
      expect.stringMatching(/^cleveland: round 1 trained \(10 steps, loss [0-9.]+\) and sent$/),
      'cleveland: stopped',
    ]);
    expect(federation.outbox('cleveland')).toEqual([]);
    expect(hungarian.studyStatus).toBe('completed');
    expect((await federation.storedUpdates(id)).filter((u) => u.clinic_id === 'cleveland').map((u) => u.round)).toEqual([1]);
    await federation.close();
  });

  it('(c) finding it crashed while training a round, sits that round out and rejoins at the next', async () => {
    const federation = await Federation.create('c');
    // Round 1 closes at its deadline with hungarian's update alone.
    const { id } = await study(federation, { rounds: 2, quorum: 1, roundTimeoutS: 5 });
    await (await TrainingJournal.open(join(federation.stateDir('cleveland'), 'training'))).begin(id, 1);
    const [cleveland, hungarian] = await Promise.all(SITES.map((site) => federation.node(site)));
    expect(cleveland).toMatchObject({ studyStatus: 'completed', trainedRounds: 1, abandonedRounds: [{ studyId: id, round: 1 }] });
    expect(hungarian).toMatchObject({ studyStatus: 'completed', trainedRounds: 2 });
    expect(federation.lines('cleveland', /crashed while training/)).toEqual([
      `cleveland: crashed while training round 1 of study ${id}: rejoining at the next round`,
      expect.stringContaining(`cleveland: round 1 of study ${id} not trained: this node crashed while training it`),
    ]);
    expect(federation.lines('cleveland', /: training round/)).toEqual([`cleveland: training round 2 of study ${id}`]);
    expect((await federation.storedUpdates(id)).map((u) => [u.round, u.clinic_id])).toEqual([
      [1, 'hungarian'],
      [2, 'cleveland'],
      [2, 'hungarian'],
    ]);
    // The study moved past round 1: its marker is gone.
    expect(readdirSync(join(federation.stateDir('cleveland'), 'training'))).toEqual([]);
    await federation.close();
  });

  it('gives up with a clear error once it has not registered for the whole reconnect window', async () => {
    const federation = await Federation.create('window');
    await federation.close(); // nothing listens on its port now
    await expect(federation.node('cleveland', { reconnectWindowMs: 200, reconnectBackoff: { baseMs: 20, capMs: 50 } })).rejects.toThrow(
      /^cleveland: giving up: no successful Register with the coordinator at 127\.0\.0\.1:\d+ for \d+ m?s \(reconnect window 200 ms\); last error: UNAVAILABLE: /,
    );
    expect(federation.lines('cleveland', /coordinator unreachable \(UNAVAILABLE: .*\); reconnecting in \d+ ms$/).length).toBeGreaterThan(0);
  });
});
