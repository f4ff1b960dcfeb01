import type { ChannelCredentials } from '@grpc/grpc-js';
import { join } from 'node:path';
import { checkSiteName, checkSite, checkSiteOrShard, datasetDescriptor } from '../common/datasets.js';
import { datasetNameProblem, schemaDatasetId } from '../common/schema/index.js';
import { DAY_MS, durationProblems, HOUR_MS, milliseconds } from '../common/durations.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { CoordinatorSession } from './agent/coordinator-session.js';
import { EvaluationRound } from './agent/evaluation-round.js';
import type { Learner } from './agent/learner.js';
import { ModelVersions } from './agent/model-versions.js';
import { emptySummary, type NodeSummary } from './agent/node-summary.js';
import { OutboxSender } from './agent/outbox-sender.js';
import { RoundBook } from './agent/round-book.js';
import { TaskRouter } from './agent/task-router.js';
import { TrainingRound } from './agent/training-round.js';
import { describeTask, duration } from './agent/wording.js';
import { FederationClient } from './client/federation-client.js';
import type { Keystore } from './keys/index.js';
import { loadClinicData, type AnySiteDataset } from './data/index.js';
import { learnerFor } from './training/learner-for.js';
import { TableLearner } from './training/table-learner.js';
import { loadTableSite, type TableSource } from './data/table-site.js';
import type { DataOptions } from './data/dataset.js';
import { NodeProtocols, type EncodedUpdate, type SecureRoundClient } from './protocols/index.js';
import { LedgerFile } from './privacy/ledger-file.js';
import { PrivacyGuard, type PrivacyBudget } from './privacy/privacy-guard.js';
import { NodeState, Shutdown, type BackoffOptions } from './resilience/index.js';
import type { NodeStatus } from './observability/node-status.js';

export type { NodeSummary } from './agent/node-summary.js';

/** The task a log line was written under. */
export interface TaskFields {
  studyId?: string;
  round?: number;
}
export type { Learner } from './agent/learner.js';

/** Where a node keeps its privacy ledger unless told otherwise: beside its keys. */
export const LEDGER_FILE = 'privacy-ledger.jsonl';

/** How to run a clinic node. */
export interface NodeOptions {
  /** Coordinator gRPC address, `host:port`. */
  coordinator: string;
  /**
   * Dataset and site this clinic serves, e.g. `fed-heart-disease` / `cleveland`. With `table`, the
   * name of the consortium's own dataset (the study's `dataset`); the node registers for
   * `<name>@<fingerprint of the schema file>`, so a clinic with another schema is never asked to train.
   */
  dataset: string;
  site: string;
  /**
   * The clinic's own data: the study schema, its CSV file and its mapping. Read and checked before
   * the node connects: a file with any bad row stops the node with every problem listed, and nothing
   * is sent. Default: none (the dataset is a built-in one, loaded as `data` says).
   */
  table?: TableSource;
  /** Identity towards the coordinator. Default (and it must match): the keystore's clinic id. */
  clinicId?: string;
  /** The clinic's keys: the enrolled identity that signs every call, study keys, beside them the privacy ledger. */
  keystore: Keystore;
  /** TLS towards the coordinator (`channelCredentials` of common/tls), or plaintext against an `--insecure` one. */
  credentials: ChannelCredentials;
  /**
   * The clinic's privacy cap over every study trained on its data. With it, the node trains only
   * differentially private rounds that fit the cap and refuses every other round; without it, it
   * refuses differentially private studies. Spends and refusals go to the ledger (needs `keystore`).
   */
  budget?: PrivacyBudget | null;
  /** The privacy ledger file. Default `privacy-ledger.jsonl` in the keystore's directory. */
  ledgerPath?: string;
  /** Where the data comes from (directory, cache, download). */
  data?: DataOptions;
  /** Already loaded data (simulations load once and share nothing else). */
  preloaded?: AnySiteDataset;
  /** Trains and evaluates on the site's data. Default: LocalLearner (TensorFlow.js, the fastest backend present). */
  learner?: Learner;
  /** Stop after the first study finishes. Default false: serve until stopped. */
  exitWhenDone?: boolean;
  /** Progress lines; `fields` names the study and round of the task under way, if any. Default: none. */
  log?: (message: string, fields?: TaskFields) => void;
  /** Kept current for the node's health port (connected, last task, training time, budget). Default: none. */
  status?: NodeStatus;
  /**
   * Where the node keeps what must survive a crash: `outbox/` (updates not yet acknowledged) and
   * `training/` (rounds being trained). Default: the keystore's directory, else `.cohort/node-<clinicId>`.
   */
  stateDir?: string;
  /** Stops the node gracefully: no new task, the current one finishes within `shutdownGraceMs` or is abandoned. */
  signal?: AbortSignal;
  /** How long a stop waits for the task under way, 0 to 1 day. Default 30 000 ms. */
  shutdownGraceMs?: number;
  /** How long the node keeps reconnecting without a successful Register before it gives up, 0 to 7 days. Default 10 minutes. */
  reconnectWindowMs?: number;
  /** Delays between reconnection attempts: exponential with full jitter. Default base 250 ms, cap 10 s; each 1 ms to 1 hour. */
  reconnectBackoff?: BackoffOptions;
  /**
   * Wraps the client each secure-aggregation round talks through, given the round's task; a wrapper
   * may throw LeftRound to leave the round (simulated faults, `cohort simulate --dropout`). Default: none.
   */
  secureRoundClient?: (client: SecureRoundClient, task: Task__Output) => SecureRoundClient;
  /**
   * Rewrites each encoded update before the outbox keeps and sends it: simulated hostile clinics
   * only (`cohort simulate --attack weight` declares an inflated sample count). Default: none.
   */
  tamperUpdate?: (update: EncodedUpdate) => EncodedUpdate;
}

/** Every duration a node accepts, with its bounds (common/durations.ts). */
export const NODE_DURATION_BOUNDS = {
  shutdownGraceMs: milliseconds(0, DAY_MS),
  reconnectWindowMs: milliseconds(0, 7 * DAY_MS),
  'reconnectBackoff.baseMs': milliseconds(1, HOUR_MS),
  'reconnectBackoff.capMs': milliseconds(1, HOUR_MS),
};

/** Refuses node options with a duration out of bounds, naming each. */
export function checkNodeDurations(options: Pick<NodeOptions, 'shutdownGraceMs' | 'reconnectWindowMs' | 'reconnectBackoff'>): void {
  const settings = {
    shutdownGraceMs: options.shutdownGraceMs,
    reconnectWindowMs: options.reconnectWindowMs,
    'reconnectBackoff.baseMs': options.reconnectBackoff?.baseMs,
    'reconnectBackoff.capMs': options.reconnectBackoff?.capMs,
  };
  const problems = durationProblems(settings, NODE_DURATION_BOUNDS);
  if (problems.length > 0) throw new RangeError(`invalid node options: ${problems.join('; ')}`);
}

/**
 * A clinic node: registers, then trains and evaluates as tasks arrive, one at a time. Records never
 * leave the process; only the update (local minus global parameters) and test-set counts do.
 */
export async function runNode(options: NodeOptions): Promise<NodeSummary> {
  const log = (message: string) => options.log?.(message);
  checkNodeDurations(options);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(options.coordinator)?.[1];
  if (scheme === 'http' || scheme === 'https') {
    throw new Error(
      `--coordinator takes the gRPC address HOST:PORT, not a URL: got "${options.coordinator}"; drop "${scheme}://" (the HTTP URL is for --coordinator-url)`,
    );
  }
  // A shard of a site (cleveland.2) comes only as preloaded data: the loaders read whole sites.
  if (options.table) {
    const problem = datasetNameProblem(options.dataset);
    if (problem) throw new Error(problem);
    checkSiteName(options.site);
  } else (options.preloaded ? checkSiteOrShard : checkSite)(datasetDescriptor(options.dataset), options.site);
  const clinicId = options.clinicId ?? options.keystore.clinicId;
  if (options.keystore.clinicId !== clinicId) {
    throw new Error(`the keystore holds the identity of ${options.keystore.clinicId}, not of clinic ${clinicId}`);
  }
  // Before the data: a budget that cannot be enforced, or a ledger that does not verify, stops the node at once.
  const guard = privacyGuard(options);
  const spent = guard.spent();
  if (spent) log(`${clinicId}: privacy budget epsilon ${options.budget!.epsilon} at delta ${spent.delta}, ${spent.epsilon.toPrecision(6)} spent so far`);
  const state = await NodeState.open(options.stateDir ?? defaultStateDir(options, clinicId), clinicId, log);
  const data = await clinicData(options);
  const learner = options.learner ?? data.learner;
  if (!options.learner) await data.learner.ready?.();
  if (options.status) {
    options.status.coordinator = options.coordinator;
    options.status.budget = options.budget ? { epsilon: options.budget.epsilon, delta: options.budget.delta } : null;
  }
  const client = new FederationClient(options.coordinator, { identity: options.keystore.identity, credentials: options.credentials });
  const { keystore, secureRoundClient } = options;
  const protocols = new NodeProtocols({ client, clinicId, keystore, reveals: state.reveals, log, ...(secureRoundClient ? { secureRoundClient } : {}) });
  try {
    return await serve({
      options,
      clinicId,
      log,
      guard,
      state,
      data,
      learner,
      client,
      protocols,
      summary: emptySummary(clinicId, spent, state.abandonedRounds()),
    });
  } finally {
    if (options.status) options.status.connected = false;
    await protocols.close();
    client.close();
  }
}

/** What the node serves: the dataset id it registers for, its record counts, and a learner over its records. */
interface ClinicData {
  dataset: string;
  numTrain: number;
  numTest: number;
  learner: Learner & { ready?(): Promise<string> };
}

async function clinicData(options: NodeOptions): Promise<ClinicData> {
  if (options.table) {
    const table = await loadTableSite(options.table, options.site);
    const dataset = schemaDatasetId(options.dataset, table.schema);
    const excluded = table.excluded.length > 0 ? `, ${table.excluded.length} excluded by the mapping` : '';
    options.log?.(
      `${options.site}: ${options.table.dataFile}: ${table.train.length} training and ${table.test.length} test records${excluded}; dataset ${dataset}`,
    );
    return { dataset, numTrain: table.train.length, numTest: table.test.length, learner: new TableLearner(table, dataset) };
  }
  const data = options.preloaded ?? (await loadClinicData(options.dataset, options.site, options.data ?? {}));
  return { dataset: options.dataset, numTrain: data.train.count, numTest: data.test.count, learner: learnerFor(data) };
}

interface OpenNode {
  options: NodeOptions;
  clinicId: string;
  log: (message: string) => void;
  guard: PrivacyGuard;
  state: NodeState;
  data: ClinicData;
  learner: Learner;
  client: FederationClient;
  protocols: NodeProtocols;
  summary: NodeSummary;
}

/** Wires the parts together and serves tasks until the study finishes or a stop. */
async function serve(node: OpenNode): Promise<NodeSummary> {
  const { options, clinicId, state, data, client, summary } = node;
  const { status } = options;
  status?.attach(summary, () => node.guard.spent());
  // Lines written while a task is under way, or about it after (its update acknowledged), name its study and round.
  let lastTask: Task__Output | null = null;
  const log = (message: string) => {
    const task = router.current ?? lastTask;
    options.log?.(message, task ? { studyId: task.studyId, round: task.round } : {});
  };
  const router: TaskRouter = new TaskRouter((task) => log(`${clinicId}: ignoring task of unknown kind ${String(task.kind)}`));
  const tracked =
    (handler: (task: Task__Output) => Promise<boolean | void>) =>
    async (task: Task__Output): Promise<boolean | void> => {
      lastTask = task;
      status?.taskStarted(String(task.kind), task.studyId, task.round);
      try {
        return await handler(task);
      } finally {
        status?.taskFinished();
      }
    };
  const grace = options.shutdownGraceMs ?? 30_000;
  const shutdown = new Shutdown(options.signal, grace, () =>
    log(router.current ? `${clinicId}: stopping: finishing ${describeTask(router.current)} (at most ${duration(grace)})` : `${clinicId}: stopping`),
  );
  const rounds = new RoundBook();
  const models = new ModelVersions((task) => node.protocols.for(task).model(task));
  const sender = new OutboxSender({ client, outbox: state.outbox, rounds, summary, clinicId, log, stopping: () => shutdown.requested });
  const common = { clinicId, log, state, models, learner: node.learner, summary };
  const training = new TrainingRound({
    ...common,
    rounds,
    guard: node.guard,
    client,
    protocols: node.protocols,
    sender,
    checkpoint: () => shutdown.checkpoint(),
    records: data.numTrain,
    ...(options.tamperUpdate ? { tamperUpdate: options.tamperUpdate } : {}),
  });
  const evaluation = new EvaluationRound({ ...common, client });
  router
    .on(
      'TASK_KIND_TRAIN',
      tracked((task) => training.handle(task)),
    )
    .on(
      'TASK_KIND_EVALUATE',
      tracked((task) => evaluation.handle(task)),
    )
    .on('TASK_KIND_STUDY_FINISHED', async (task) => {
      await state.roundsOver(task.studyId, Infinity);
      summary.studyStatus = task.studyStatus;
      log(`${clinicId}: study ${task.studyId} ${task.studyStatus}: ${task.message}`);
      return options.exitWhenDone === true;
    });
  const session = new CoordinatorSession({
    client,
    clinicId,
    coordinator: options.coordinator,
    registration: { clinicId, dataset: data.dataset, site: options.site, numTrain: data.numTrain, numTest: data.numTest, nodeVersion: '0.1.0' },
    shutdown,
    log,
    onRegistered: () => status && (status.connected = true),
    onLost: () => status && (status.connected = false),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.reconnectWindowMs !== undefined ? { reconnectWindowMs: options.reconnectWindowMs } : {}),
    ...(options.reconnectBackoff ? { reconnectBackoff: options.reconnectBackoff } : {}),
  });
  try {
    const end = await session.serve(
      () => sender.resendAll(),
      (task) => router.route(task),
    );
    if (end === 'finished') return summary;
    if (end === 'abandoned') {
      const task = router.current;
      const kept = task && state.outbox.get(task.studyId, task.round);
      log(
        `${clinicId}: ${task ? describeTask(task) : 'reconnecting'} not finished within the ${duration(grace)} grace period: abandoned${kept ? '; its update stays in the outbox for the next start' : ''}`,
      );
    }
    summary.stopped = 'signal';
    log(`${clinicId}: stopped`);
    return summary;
  } finally {
    shutdown.dispose();
  }
}

/** Where a node keeps its outbox and training journal unless told otherwise: beside its keys. */
function defaultStateDir(options: NodeOptions, clinicId: string): string {
  return options.keystore ? options.keystore.dir : join('.cohort', `node-${clinicId}`);
}

function privacyGuard(options: NodeOptions): PrivacyGuard {
  const ledger = LedgerFile.open(options.ledgerPath ?? join(options.keystore.dir, LEDGER_FILE), options.keystore.identity, options.log);
  return new PrivacyGuard(ledger, options.budget ?? null);
}
