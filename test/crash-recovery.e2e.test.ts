import { afterAll, afterEach, expect, it } from '@jest/globals';
import { credentials as grpcCredentials, status } from '@grpc/grpc-js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runNode, type NodeSummary } from '../clinic-node/node-agent.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { loadSiteDataset } from '../clinic-node/data/index.js';
import type { SiteDataset } from '../clinic-node/data/dataset.js';
import { logMessages } from '../common/logging/logger.js';
import { freePort } from '../common/net.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { seededRandom } from '../common/random.js';
import { cardToJson, plainFloat32Codec } from '../crypto/index.js';
import { parseStudyConfig, startCoordinator } from '../coordinator/index.js';
import { DATA_DIR } from './support/data-dir.js';
import { connect, refusal } from './support/scripted-clinic.js';
import { approvalFor } from './support/approvals.js';
import { describeEachBackend, freshDatabase, query, type Backend, type TestDatabase } from './support/databases.js';

/*
 * Crash safety (issue 6): the coordinator, a child process running the built CLI, is killed with
 * SIGKILL at seeded random points of a multi-round study (while booting and resuming, right after a
 * round opened, between uploads, right after a round closed) and restarted on the same database and
 * ports each time. Four clinic nodes run in this process and reconnect on their own. The study must
 * complete with exactly the model versions of a run without kills, and the database must hold every
 * update and audit event exactly once.
 *
 * CRASH_TEST_VERBOSE=1 prints where each kill landed; CRASH_TEST_LOG_DIR=DIR writes the nodes' logs there.
 */

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'cohort.js');
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const ROUNDS = 16;
const KILLS = 22;
const KILL_SEED = 20261124;
/** A life of the coordinator that prints nothing for this long has stalled. */
const STALL_MS = 60_000;
/** Every round waits for all four clinics (quorum 4, long timeout): the model then depends on nothing but the seed. */
const STUDY = { name: 'crash recovery', dataset: 'fed-heart-disease', rounds: ROUNDS, quorum: 4, minClinics: 4, roundTimeoutS: 3600, seed: 7 };
/** The coordinator CLI wants TLS or an explicit --insecure (plaintext on loopback, calls still signed); older builds know no such flag. */
const INSECURE = readdirSync(dirname(CLI)).some((file) => file.endsWith('.js') && readFileSync(join(dirname(CLI), file), 'utf8').includes('--insecure'))
  ? ['--insecure']
  : [];

const scratch: string[] = [];
const children = new Set<ChildProcess>();
const data = new Map<string, Promise<SiteDataset>>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
/** Every test database, dropped at the end whatever happened. */
const scratchDatabases: TestDatabase[] = [];
afterAll(async () => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  for (const database of scratchDatabases) await database.drop();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

function siteData(site: string): Promise<SiteDataset> {
  let loaded = data.get(site);
  if (!loaded) data.set(site, (loaded = loadSiteDataset('fed-heart-disease', site, { dataDir: DATA_DIR })));
  return loaded;
}

/** Coordinator log lines a kill can wait for (FederationService). */
const OPENED = /round (\d+)\/\d+ opened for/;
const UPDATE = /round (\d+): update from \S+ \(\d+ of \d+\)/;
const CLOSED = /round (\d+) closed with/;
const RESENT = /round \d+: update from \S+ sent again, already stored/;

/** One life of the coordinator process: its output lines as they come, and a way to wait for one. */
class CoordinatorLife {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  readonly spawnedAt = Date.now();
  /** When it served (its "coordinator: gRPC ..." line), and when the first update of this life arrived. */
  readyAt: number | null = null;
  firstUpdateAt: number | null = null;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private partial = '';

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'coordinator', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', COHORT_DATA_DIR: DATA_DIR },
    });
    children.add(this.child);
    const take = (chunk: Buffer) => {
      const text = this.partial + chunk.toString();
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      for (const raw of lines) {
        // The coordinator logs JSON lines into a pipe: each line's message is what is matched.
        const line = logMessages(raw);
        this.lines.push(line);
        if (this.readyAt === null && line.startsWith('coordinator: gRPC')) this.readyAt = Date.now();
        if (this.firstUpdateAt === null && UPDATE.test(line)) this.firstUpdateAt = Date.now();
        for (const waiter of [...this.waiters]) {
          if (waiter.match(line)) {
            this.waiters.splice(this.waiters.indexOf(waiter), 1);
            waiter.resolve(line);
          }
        }
      }
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        children.delete(this.child);
        resolve({ code, signal });
      }),
    );
  }

  /** The first line (from now on) that matches. */
  next(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  output(): string {
    return this.lines.slice(-40).join('\n');
  }
}

/** Where a kill lands: `boot` some milliseconds after the process starts, else at a line of round `round` or later. */
type KillPoint =
  { at: 'boot'; delayMs: number } | { at: 'opened' | 'closed'; round: number; delayMs: number } | { at: 'update'; round: number; nth: number; delayMs: number };

/** Seeded kill points, spread over rounds 1..ROUNDS-2 so every one of them lands before the study completes. */
function killPlan(kills: number, seed: number): KillPoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: kills }, (_, i): KillPoint => {
    const round = 1 + Math.floor((i * (ROUNDS - 2)) / kills);
    const draw = random.next();
    if (draw < 0.15) return { at: 'boot', delayMs: random.int(900) };
    if (draw < 0.45) return { at: 'opened', round, delayMs: random.int(40) };
    if (draw < 0.75) return { at: 'update', round, nth: 1 + random.int(4), delayMs: random.int(4) };
    return { at: 'closed', round, delayMs: random.int(3) };
  });
}

/** Resolves when the kill point is reached in this life. */
function reached(life: CoordinatorLife, point: KillPoint): Promise<void> {
  if (point.at === 'boot') return new Promise((resolve) => setTimeout(resolve, point.delayMs));
  const pattern = point.at === 'opened' ? OPENED : point.at === 'closed' ? CLOSED : UPDATE;
  let seen = 0;
  const match = (line: string) => {
    const round = pattern.exec(line);
    return round !== null && Number(round[1]) >= point.round && ++seen >= (point.at === 'update' ? point.nth : 1);
  };
  return life.next(match).then(() => new Promise((resolve) => setTimeout(resolve, point.delayMs)));
}

interface RunResult {
  studyId: string;
  database: TestDatabase;
  kills: { point: KillPoint; lastLine: string; bootMs: number | null; toFirstUpdateMs: number | null }[];
  /** Uploads the coordinator found already stored (their acknowledgement lost in a kill) and acknowledged again. */
  resendsAcknowledged: number;
  lives: number;
  nodes: NodeSummary[];
  events: any[];
  seconds: number;
}

/**
 * A whole study against a coordinator child process, killed at each of `plan`'s points and restarted
 * on the same database and ports; the last life runs until every node saw the study finish.
 */
async function runStudy(plan: KillPoint[], backend: Backend): Promise<RunResult> {
  const started = Date.now();
  const dir = tempDir('cohort-crash-');
  const database = await freshDatabase(backend, dir);
  scratchDatabases.push(database);
  const studyFile = join(dir, 'study.json');
  writeFileSync(studyFile, JSON.stringify(STUDY));
  const token = randomBytes(16).toString('hex');
  // Fixed for every life, so the nodes reconnect to the same address.
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const http = `http://127.0.0.1:${httpPort}`;
  const base = ['--db', database.database, '--grpc-port', String(grpcPort), '--http-port', String(httpPort), '--operator-token', token, ...INSECURE];
  const authorization = { authorization: `Bearer ${token}` };

  let life = new CoordinatorLife([...base, '--study', studyFile]);
  const created = await Promise.race([life.next((line) => /^study [0-9a-f-]{36}:/.test(line)), life.exited.then(() => null)]);
  if (!created) throw new Error(`the coordinator stopped before creating the study:\n${life.output()}`);
  const studyId = /^study ([0-9a-f-]{36}):/.exec(created)![1]!;

  // Each clinic's identity, enrolled by the operator over HTTP (signed calls need it; plain studies do not mind).
  const keystores = SITES.map((site) => Keystore.create(join(dir, `keys-${site}`), site));
  for (const keystore of keystores) {
    const response = await fetch(`${http}/clinics/enrolled`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorization },
      body: JSON.stringify({ ...cardToJson(keystore.card), approved: await approvalFor(keystore.clinicId) }),
    });
    if (response.status !== 201) throw new Error(`enrolling ${keystore.clinicId}: HTTP ${response.status} ${await response.text()}`);
  }

  const nodeLogs: string[] = [];
  const nodes = SITES.map(async (site, i) => {
    const options = {
      coordinator: `127.0.0.1:${grpcPort}`,
      dataset: 'fed-heart-disease',
      site,
      keystore: keystores[i]!,
      credentials: grpcCredentials.createInsecure(),
      preloaded: await siteData(site),
      exitWhenDone: true,
      // Keep trying through every restart, and come back quickly once the coordinator serves again.
      reconnectWindowMs: 300_000,
      reconnectBackoff: { baseMs: 50, capMs: 400 },
      log: (line: string) => nodeLogs.push(`${new Date().toISOString()} ${line}`),
    };
    // Not a literal: it also compiles against a node agent from before `credentials` (plaintext either way).
    return runNode(options as Parameters<typeof runNode>[0]);
  });
  let finished = false;
  const allDone = Promise.allSettled(nodes).then((results) => {
    finished = true;
    return results;
  });

  const kills: RunResult['kills'] = [];
  let lives = 1;
  let resendsAcknowledged = 0;
  const countResends = (ended: CoordinatorLife) => (resendsAcknowledged += ended.lines.filter((line) => RESENT.test(line)).length);
  // No test should hang on a stuck study: a coordinator that prints nothing for STALL_MS fails the run, with its output.
  let progress = '';
  let watch: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    watch = setInterval(() => {
      const now = `${lives}:${life.lines.length}`;
      if (now === progress)
        reject(new Error(`no progress for ${STALL_MS / 1000} s; coordinator:\n${life.output()}\n--- nodes ---\n${nodeLogs.slice(-20).join('\n')}`));
      progress = now;
    }, STALL_MS);
  });
  watchdog.catch(() => undefined);
  try {
    for (const point of plan) {
      const outcome = await Promise.race([
        reached(life, point).then(() => 'kill' as const),
        allDone.then(() => 'done' as const),
        life.exited.then(() => 'exited' as const),
        watchdog,
      ]);
      if (outcome === 'exited') throw new Error(`the coordinator exited on its own:\n${life.output()}`);
      if (outcome === 'done') break;
      await life.kill();
      countResends(life);
      const { readyAt, firstUpdateAt, spawnedAt } = life;
      kills.push({
        point,
        lastLine: life.lines.at(-1) ?? '',
        bootMs: readyAt && readyAt - spawnedAt,
        toFirstUpdateMs: firstUpdateAt && readyAt && firstUpdateAt - readyAt,
      });
      if (finished) break;
      life = new CoordinatorLife(base);
      lives++;
    }
    await Promise.race([allDone, watchdog]);
  } finally {
    clearInterval(watch);
  }
  const results = await allDone;
  if (process.env['CRASH_TEST_LOG_DIR']) writeFileSync(join(process.env['CRASH_TEST_LOG_DIR'], `nodes-${plan.length}.log`), nodeLogs.join('\n'));
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${SITES[i]}: code ${(r.reason as { code?: number }).code} ${(r.reason as Error).message}`] : [],
  );
  if (failures.length > 0) throw new Error(`nodes stopped on errors:\n${failures.join('\n')}\n--- node log tail ---\n${nodeLogs.slice(-30).join('\n')}`);
  // The audit log over HTTP, from the last life, before it stops.
  const events = (await (await fetch(`${http}/studies/${studyId}/events`, { headers: authorization })).json()) as any[];
  life.child.kill('SIGTERM');
  await life.exited;
  countResends(life);
  const seconds = (Date.now() - started) / 1000;
  return { studyId, database, kills, lives, resendsAcknowledged, nodes: results.map((r) => (r as PromiseFulfilledResult<NodeSummary>).value), events, seconds };
}

/** Reads a finished run's database directly (the coordinator process has exited). */
async function readDatabase(database: TestDatabase) {
  const db = await database.open();
  try {
    const q = (sql: string, ...params: unknown[]) => query<any>(db, sql, params);
    return {
      studies: await q('SELECT id, status, error FROM studies'),
      rounds: await q('SELECT number, status, participants, outcome FROM rounds ORDER BY number'),
      updates: await q('SELECT round, clinic_id AS clinic, sha256 FROM received_updates ORDER BY round, clinic_id'),
      models: await q('SELECT version, parameters, strategy_state AS state FROM model_versions ORDER BY version'),
      // Counts cast: PostgreSQL's COUNT is 64-bit, which pg hands back as a string.
      ledger: await q('SELECT CAST(COUNT(*) AS integer) AS n FROM ledger_entries'),
      audit: await q('SELECT seq, natural_key AS key, type, round, clinic_id AS clinic, detail FROM audit_events ORDER BY seq'),
      duplicateKeys: await q('SELECT natural_key, CAST(COUNT(*) AS integer) AS n FROM audit_events GROUP BY natural_key HAVING COUNT(*) > 1'),
    };
  } finally {
    await db.destroy();
  }
}

describeEachBackend('a coordinator killed with SIGKILL again and again', (backend) => {
  it(`completes a ${ROUNDS}-round study through ${KILLS} kills with the model of a run without kills, nothing lost or counted twice`, async () => {
    // Side by side: the reference run mostly waits on the same clock as the one being killed.
    const [reference, crashed] = await Promise.all([runStudy([], backend), runStudy(killPlan(KILLS, KILL_SEED), backend)]);
    const [ref, got] = [await readDatabase(reference.database), await readDatabase(crashed.database)];

    const byPhase = crashed.kills.reduce<Record<string, number>>((n, k) => ({ ...n, [k.point.at]: (n[k.point.at] ?? 0) + 1 }), {});
    console.log(
      `crash recovery: ${crashed.kills.length} kills (${JSON.stringify(byPhase)}), ${crashed.lives} coordinator lives, ${ROUNDS} rounds, ` +
        `${crashed.seconds.toFixed(1)} s (without kills: ${reference.seconds.toFixed(1)} s); updates resent by the nodes: ${crashed.nodes.map((n) => (n as { resentUpdates?: number }).resentUpdates ?? 0).join('/')}, ` +
        `of which the coordinator already held (acknowledged, counted once): ${crashed.resendsAcknowledged}`,
    );
    const mean = (xs: (number | null)[]) => {
      const v = xs.filter((x): x is number => x !== null);
      return v.length ? Math.round(v.reduce((a, b) => a + b, 0) / v.length) : null;
    };
    if (process.env['CRASH_TEST_VERBOSE']) console.log(crashed.kills.map((k, i) => `kill ${i + 1} at ${JSON.stringify(k.point)}: ${k.lastLine}`).join('\n'));
    console.log(
      `boot ${mean(crashed.kills.map((k) => k.bootMs))} ms on average, first update ${mean(crashed.kills.map((k) => k.toFirstUpdateMs))} ms after it`,
    );
    expect(crashed.kills.length).toBeGreaterThanOrEqual(20);

    for (const run of [ref, got]) {
      expect(run.studies).toEqual([{ id: expect.any(String), status: 'completed', error: null }]);
      // Rounds 1..R, each closed with all four clinics asked and heard.
      expect(run.rounds.map((r) => [r.number, r.status, JSON.parse(r.participants).length, r.outcome])).toEqual(
        Array.from({ length: ROUNDS }, (_, i) => [i + 1, 'closed', 4, 'closed with all 4 updates']),
      );
      // Exactly one update per clinic per round.
      expect(run.updates.map((u) => `${u.round}/${u.clinic}`)).toEqual(Array.from({ length: ROUNDS }, (_, i) => SITES.map((s) => `${i + 1}/${s}`)).flat());
      expect(run.models.map((m) => m.version)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i));
      expect(run.ledger).toEqual([{ n: 0 }]);
      expect(run.duplicateKeys).toEqual([]);
    }

    // The same model, bit for bit, at every version (and FedAdam's moments with it).
    for (let v = 0; v <= ROUNDS; v++) {
      expect({ v, parameters: Buffer.from(got.models[v].parameters).toString('hex') }).toEqual({
        v,
        parameters: Buffer.from(ref.models[v].parameters).toString('hex'),
      });
      expect(Buffer.compare(Buffer.from(got.models[v].state ?? []), Buffer.from(ref.models[v].state ?? []))).toBe(0);
    }
    // The same updates, byte for byte.
    expect(got.updates.map((u) => u.sha256)).toEqual(ref.updates.map((u) => u.sha256));

    // The audit log: once per natural key, no gaps, in the order the changes committed.
    const { audit } = got;
    const count = (type: string) => audit.filter((e) => e.type === type).length;
    expect([count('study-started'), count('round-opened'), count('update-received'), count('round-closed'), count('study-finished')]).toEqual([
      1,
      ROUNDS,
      4 * ROUNDS,
      ROUNDS,
      1,
    ]);
    expect(count('round-failed') + count('round-refused') + count('ledger-entry')).toBe(0);
    const seqOf = (type: string, round: number | null, clinic: string | null = null) => {
      const found = audit.filter((e) => e.type === type && e.round === round && e.clinic === clinic);
      expect({ type, round, clinic, found: found.length }).toEqual({ type, round, clinic, found: 1 });
      return found[0].seq as number;
    };
    let previous = seqOf('study-started', null);
    for (let r = 1; r <= ROUNDS; r++) {
      const opened = seqOf('round-opened', r);
      const received = SITES.map((site) => seqOf('update-received', r, site));
      const closed = seqOf('round-closed', r);
      expect(previous).toBeLessThan(opened);
      expect(Math.max(...received)).toBeLessThan(closed);
      expect(Math.min(...received)).toBeGreaterThan(opened);
      previous = closed;
    }
    expect(seqOf('study-finished', null)).toBeGreaterThan(previous);
    // What an update-received event records is what was stored.
    const digests = new Map(got.updates.map((u) => [`${u.round}/${u.clinic}`, u.sha256]));
    for (const e of audit.filter((e) => e.type === 'update-received')) expect(JSON.parse(e.detail).sha256).toBe(digests.get(`${e.round}/${e.clinic}`));
    // Evaluations: at most one per clinic and version (a clinic may miss one the coordinator was killed before sending).
    expect(audit.filter((e) => e.type === 'evaluation').every((e) => e.round >= 1 && e.round <= ROUNDS)).toBe(true);
    // The HTTP view of the log is the table, in order.
    expect(crashed.events.map((e) => [e.seq, e.type, e.round, e.clinic])).toEqual(audit.map((e) => [e.seq, e.type, e.round, e.clinic]));
  }, 600_000);
});

describeEachBackend('an update sent again after its acknowledgement was lost', (backend) => {
  it("is acknowledged with the round's count and counted once; a different update for the same round is refused", async () => {
    const database = await freshDatabase(backend);
    scratchDatabases.push(database);
    const coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: database.database,
      logLevels: false,
      operatorToken: 'operator',
      insecure: true,
    });
    try {
      const study = await coordinator.federation.createStudy(
        parseStudyConfig({ dataset: 'fed-heart-disease', strategy: { name: 'fedavg' }, rounds: 1, quorum: 2, roundTimeoutS: 60 }),
      );
      const events: string[] = [];
      coordinator.federation.events$.subscribe((e) => events.push(e.type));
      const [a, b] = await Promise.all([connect(coordinator, 'clinic-a', 'cleveland', 199), connect(coordinator, 'clinic-b', 'hungarian', 172)]);
      const [taskA, taskB] = [await a.nextOf('TASK_KIND_TRAIN'), await b.nextOf('TASK_KIND_TRAIN')];
      const send = (client: typeof a.client, clinicId: string, task: typeof taskA, fill: number) =>
        client.uploadUpdate({
          clinicId,
          studyId: task.studyId,
          round: task.round,
          modelVersion: task.modelVersion,
          codec: 'plain-f32',
          numSamples: 100,
          trainLoss: 0.5,
          payload: plainFloat32Codec.encode(new Float32Array(14).fill(fill)),
        });

      await expect(send(a.client, 'clinic-a', taskA, 1)).resolves.toMatchObject({ round: 1, receivedUpdates: 1 });
      // The same bytes again: acknowledged, nothing stored or announced.
      await expect(send(a.client, 'clinic-a', taskA, 1)).resolves.toMatchObject({ round: 1, receivedUpdates: 1 });
      // Other bytes for the same round: refused.
      expect(await refusal(send(a.client, 'clinic-a', taskA, 2))).toEqual({
        code: status.ALREADY_EXISTS,
        details: `clinic clinic-a already sent its update for round 1 of study ${study.id}`,
      });
      await expect(send(b.client, 'clinic-b', taskB, 3)).resolves.toMatchObject({ round: 1, receivedUpdates: 2 });
      await a.nextOf('TASK_KIND_STUDY_FINISHED');
      // After the round closed, a resend of what was counted is still acknowledged, with the round's count.
      await expect(send(a.client, 'clinic-a', taskA, 1)).resolves.toMatchObject({ round: 1, receivedUpdates: 2 });
      expect(await refusal(send(b.client, 'clinic-b', taskB, 4))).toMatchObject({ code: status.FAILED_PRECONDITION });

      expect(events.filter((t) => t === 'update-received')).toHaveLength(2);
      const log = (await (await fetch(`${coordinator.httpUrl}/studies/${study.id}/events`, { headers: { authorization: 'Bearer operator' } })).json()) as any[];
      expect(log.map((e) => [e.type, e.round, e.clinic])).toEqual([
        ['study-started', null, null],
        ['round-opened', 1, null],
        ['update-received', 1, 'clinic-a'],
        ['update-received', 1, 'clinic-b'],
        ['round-closed', 1, null],
        ['study-finished', null, null],
      ]);
      expect(log[2].detail).toMatchObject({ numSamples: 100, received: 1, expected: 2 });
      // FedAvg of 1 and 3 with equal weights: the resend did not count twice.
      const v1 = await a.client.downloadPlainModel('clinic-a', study.id, 1);
      const v0 = await a.client.downloadPlainModel('clinic-a', study.id, 0);
      v1.forEach((w, i) => expect(w).toBeCloseTo(v0[i]! + 2, 5));
      a.close();
      b.close();
    } finally {
      await coordinator.close();
    }
  });
});
