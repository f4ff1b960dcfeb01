import type { ChannelCredentials, ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { checkSite, datasetDescriptor } from '../common/datasets.js';
import { modelSpec, type ModelSpec } from '../common/model-spec.js';
import { plainFloat32Codec, SecAggError } from '../crypto/index.js';
import type { ModelSpec__Output } from '../protos/generated/cohort/v1/ModelSpec.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { FederationClient } from './client/federation-client.js';
import { GlobalModels } from './global-model.js';
import type { Keystore } from './keys/index.js';
import { loadSiteDataset } from './data/index.js';
import type { DataOptions, SiteDataset } from './data/dataset.js';
import { LocalLearner } from './training/local-learner.js';
import { LedgerFile } from './privacy/ledger-file.js';
import { PrivacyGuard, type DistributedNoiseSettings, type PrivacyBudget, type RoundDecision } from './privacy/privacy-guard.js';
import {
  ABANDONED,
  AbandonedError,
  Backoff,
  isTransient,
  NodeState,
  outgoingUpdate,
  ReconnectWindow,
  Shutdown,
  sleep,
  type BackoffOptions,
  type OutboxEntry,
  type RoundRef,
} from './resilience/index.js';
import { distributedContribution, runSecureRound, secAggAttemptRefusal, type DropPoint } from './secagg/secure-round.js';

/** Where a node keeps its privacy ledger unless told otherwise: beside its keys. */
export const LEDGER_FILE = 'privacy-ledger.jsonl';

/** How to run a clinic node. */
export interface NodeOptions {
  /** Coordinator gRPC address, `host:port`. */
  coordinator: string;
  /** Dataset and site this clinic serves, e.g. `fed-heart-disease` / `cleveland`. */
  dataset: string;
  site: string;
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
  preloaded?: SiteDataset;
  /** Stop after the first study finishes. Default false: serve until stopped. */
  exitWhenDone?: boolean;
  /** Progress lines. Default: none. */
  log?: (message: string) => void;
  /**
   * Where the node keeps what must survive a crash: `outbox/` (updates not yet acknowledged) and
   * `training/` (rounds being trained). Default: the keystore's directory, else `.cohort/node-<clinicId>`.
   */
  stateDir?: string;
  /** Stops the node gracefully: no new task, the current one finishes within `shutdownGraceMs` or is abandoned. */
  signal?: AbortSignal;
  /** How long a stop waits for the task under way. Default 30 000 ms. */
  shutdownGraceMs?: number;
  /** How long the node keeps reconnecting without a successful Register before it gives up. Default 10 minutes. */
  reconnectWindowMs?: number;
  /** Delays between reconnection attempts: exponential with full jitter. Default base 250 ms, cap 10 s. */
  reconnectBackoff?: BackoffOptions;
  /**
   * Simulations only: in each secure-aggregation round, stop answering with this probability (drawn
   * from the round's training seed, so a run is reproducible) at the given point. Default none.
   */
  secAggDropout?: { probability: number; at: DropPoint };
}

export interface NodeSummary {
  clinicId: string;
  trainedRounds: number;
  evaluations: number;
  studyStatus: string | null;
  /** The last model version this clinic evaluated, as it sees it (for encrypted studies only clinics can). */
  lastModel: { studyId: string; version: number; parameters: Float32Array } | null;
  /** Rounds this clinic refused (privacy budget or policy), as its ledger records them. */
  refusedRounds: number;
  /** Secure-aggregation rounds this node left on purpose (simulated dropout). */
  droppedRounds: number;
  /** Total epsilon of the clinic's ledger at its cap's δ when the node stopped; null without a budget. */
  privacySpent: { epsilon: number; delta: number } | null;
  /** Rounds this node found, on starting, that it had crashed while training: it did not train them again. */
  abandonedRounds: RoundRef[];
  /** Updates sent again from the outbox (after a lost connection or a restart) and acknowledged. */
  resentUpdates: number;
  /** Why runNode returned: the study finished (`exitWhenDone`), or `signal` asked the node to stop. */
  stopped: 'finished' | 'signal';
}

/**
 * A clinic node: registers, then trains and evaluates as tasks arrive, one at a time. Records never
 * leave the process; only the update (local minus global parameters) and test-set counts do.
 */
export async function runNode(options: NodeOptions): Promise<NodeSummary> {
  const log = options.log ?? (() => undefined);
  checkSite(datasetDescriptor(options.dataset), options.site);
  const clinicId = options.clinicId ?? options.keystore.clinicId;
  if (options.keystore.clinicId !== clinicId) {
    throw new Error(`the keystore holds the identity of ${options.keystore.clinicId}, not of clinic ${clinicId}`);
  }
  // Before the data: a budget that cannot be enforced, or a ledger that does not verify, stops the node at once.
  const guard = privacyGuard(options);
  const spent = guard.spent();
  if (spent) log(`${clinicId}: privacy budget epsilon ${options.budget!.epsilon} at delta ${spent.delta}, ${spent.epsilon.toPrecision(6)} spent so far`);
  const state = await NodeState.open(options.stateDir ?? defaultStateDir(options, clinicId), clinicId, log);
  const data = options.preloaded ?? (await loadSiteDataset(options.dataset, options.site, options.data ?? {}));
  const learner = new LocalLearner(data);
  await learner.ready();
  const client = new FederationClient(options.coordinator, { identity: options.keystore.identity, credentials: options.credentials });
  const models = new GlobalModels(client, clinicId, options.keystore);
  const summary: NodeSummary = {
    clinicId,
    trainedRounds: 0,
    evaluations: 0,
    studyStatus: null,
    lastModel: null,
    refusedRounds: 0,
    droppedRounds: 0,
    privacySpent: spent ?? null,
    abandonedRounds: state.abandonedRounds(),
    resentUpdates: 0,
    stopped: 'finished',
  };
  /** Rounds this process has trained (or started to): never trained twice, whatever comes back. */
  const trainedHere = new Set<string>();
  /** Rounds whose update from the outbox the coordinator has answered for good: nothing more to do for them. */
  const answered = new Set<string>();
  /** Privacy decisions of rounds under way, so a task re-sent after a lost connection does not spend again. */
  const decisions = new Map<string, RoundDecision>();
  /** The task being handled, for the stop message. */
  let current: Task__Output | null = null;
  const grace = options.shutdownGraceMs ?? 30_000;
  const shutdown = new Shutdown(options.signal, grace, () =>
    log(current ? `${clinicId}: stopping: finishing ${describeTask(current)} (at most ${duration(grace)})` : `${clinicId}: stopping`),
  );

  const register = () =>
    client.register({
      clinicId,
      dataset: options.dataset,
      site: options.site,
      numTrain: data.train.count,
      numTest: data.test.count,
      nodeVersion: '0.1.0',
    });

  const handle = async (task: Task__Output): Promise<boolean> => {
    switch (task.kind) {
      case 'TASK_KIND_TRAIN': {
        const round = `round ${task.round} of study ${task.studyId}`;
        await state.roundsOver(task.studyId, task.round - 1);
        if (state.isAbandoned(task.studyId, task.round)) {
          log(`${clinicId}: ${round} not trained: this node crashed while training it (a spend may be in its ledger, and training again would look at the records twice); rejoining at the next round`);
          return false;
        }
        // Computed before a lost connection or a crash: the same update goes again, the round is not trained twice.
        const kept = state.outbox.get(task.studyId, task.round);
        if (kept) {
          log(`${clinicId}: ${round}: resending the update already computed (outbox) instead of training again`);
          await resend(kept);
          return false;
        }
        // A secure-aggregation round can run again after a coordinator restart, as a new attempt with fresh keys.
        const attempt = task.secagg?.attempt ?? 0;
        const key = task.secagg ? roundKey(task.studyId, task.round, attempt) : roundKey(task.studyId, task.round);
        if (trainedHere.has(key) || answered.has(key)) {
          log(`${clinicId}: ${round}${attempt > 0 ? ` (attempt ${attempt})` : ''} was already trained by this node; not training it again`);
          return false;
        }
        const notJoined = secAggAttemptRefusal(state.reveals, task);
        if (notJoined) {
          log(`${clinicId}: ${round} attempt ${attempt} not joined: ${notJoined}`);
          return false;
        }
        const spec = toModelSpec(task.model);
        const training = task.training!;
        // Before any spend or look at the records: if the node dies between here and the outbox, it sits this round out.
        await state.journal.begin(task.studyId, task.round);
        // Under secagg+dp the noise is added to the clinic's share of the secure sum, not in DP-SGD.
        const distributedFloor = task.secagg && task.dp ? { distributed: { contributors: task.secagg.minContributors } } : {};
        // A task that comes back after a lost connection keeps the decision already made: one round, one spend.
        // So does a secure-aggregation round handed out again (a later attempt after a coordinator restart,
        // or the same attempt before this clinic advertised): the ledger's entry for the round stands.
        const decision = decisions.get(key) ?? (task.secagg ? guard.recorded(task.studyId, task.round) : null) ?? guard.decide({ studyId: task.studyId, round: task.round, dp: task.dp, batchSize: training.batchSize, localSteps: training.localSteps, ...distributedFloor }, data.train.count);
        decisions.set(key, decision);
        // The coordinator holds the entry (and any it missed) before the update or the refusal counts.
        if (decision.entry) await guard.sync(client, clinicId);
        summary.privacySpent = guard.spent();
        if (!decision.train) {
          decisions.delete(key);
          await state.journal.end(task.studyId, task.round);
          summary.refusedRounds++;
          log(`${clinicId}: round ${task.round} of study ${task.studyId} refused: ${decision.reason}`);
          return false;
        }
        const { dp, distributed } = decision;
        const trainLocally = async () => {
          const global = await models.parameters(task);
          // A stop whose grace ran out while the model downloaded: no training after that.
          shutdown.checkpoint();
          trainedHere.add(key);
          log(`${clinicId}: training ${round}`);
          const result = await learner.train(spec, global, {
            optimizer: training.optimizer === 'adam' ? 'adam' : 'sgd',
            learningRate: training.learningRate,
            batchSize: training.batchSize,
            steps: training.localSteps,
            seed: training.seed,
            ...(dp ? { dp } : {}),
          });
          return { result, delta: result.parameters.map((w, i) => w - global[i]!) };
        };
        if (task.secagg) {
          // Not kept in the outbox: a masked input is bound to this attempt's keys and shares, held in
          // memory on both sides, so it cannot be resent after a restart (a coordinator that restarts
          // runs the round again as a new attempt, with fresh keys, and hands out its TRAIN task).
          try {
            return await secureRound(task, trainLocally, distributed);
          } finally {
            decisions.delete(key);
            await state.journal.end(task.studyId, task.round);
          }
        }
        const codec = await models.updateCodec(task);
        const { result, delta } = await trainLocally();
        const entry = await state.outbox.put({
          clinicId,
          studyId: task.studyId,
          round: task.round,
          modelVersion: task.modelVersion,
          // Under DP the training loss is not private: it is not sent.
          trainLoss: dp ? 0 : result.loss,
          // Encrypted: the sample count travels inside the ciphertexts, never in the clear.
          ...(codec
            ? { codec: codec.name, keyId: codec.keyId, numSamples: 0, payload: codec.encode(delta, data.train.count, Math.max(1, task.participants)) }
            : { codec: plainFloat32Codec.name, numSamples: data.train.count, payload: plainFloat32Codec.encode(delta) }),
        });
        decisions.delete(key);
        await state.journal.end(task.studyId, task.round);
        if (await deliver(entry)) {
          const privacy = dp ? `, DP-SGD z=${dp.noiseMultiplier.toFixed(3)} q=${dp.samplingRate.toFixed(4)}, ${(100 * result.clippedFraction!).toFixed(0)}% clipped, epsilon so far ${summary.privacySpent!.epsilon.toFixed(4)}` : '';
          log(`${clinicId}: round ${task.round} trained (${training.localSteps} steps, loss ${result.loss.toFixed(4)}${privacy}) and sent`);
        }
        return false;
      }
      case 'TASK_KIND_EVALUATE': {
        await state.roundsOver(task.studyId, task.modelVersion);
        const spec = toModelSpec(task.model);
        const parameters = await models.parameters(task);
        const metrics = learner.evaluate(spec, parameters);
        summary.lastModel = { studyId: task.studyId, version: task.modelVersion, parameters };
        await client.reportEvaluation({
          clinicId,
          studyId: task.studyId,
          modelVersion: task.modelVersion,
          numTest: metrics.count,
          numCorrect: metrics.correct,
          accuracy: metrics.accuracy,
          loss: metrics.loss,
        });
        summary.evaluations++;
        log(`${clinicId}: model version ${task.modelVersion} accuracy ${metrics.accuracy.toFixed(4)} on ${metrics.count} test records`);
        return false;
      }
      case 'TASK_KIND_STUDY_FINISHED':
        await state.roundsOver(task.studyId, Infinity);
        summary.studyStatus = task.studyStatus;
        log(`${clinicId}: study ${task.studyId} ${task.studyStatus}: ${task.message}`);
        return options.exitWhenDone === true;
      default:
        log(`${clinicId}: ignoring task of unknown kind ${String(task.kind)}`);
        return false;
    }
  };

  /**
   * Uploads an update from the outbox and forgets it once the coordinator has answered for good: it
   * took it, or the round went on without it. True when taken. On a transient error the entry stays
   * for the resend after reconnecting; any other refusal stops the node with the entry kept (delete
   * the file to give the update up), as a refusal of a fresh upload always did.
   */
  const deliver = async (entry: OutboxEntry): Promise<boolean> => {
    const { studyId, round } = entry.header;
    try {
      await client.uploadUpdate(outgoingUpdate(entry));
    } catch (error) {
      if (!roundMovedOn(error)) {
        if (isTransient(error)) {
          log(`${clinicId}: round ${round} of study ${studyId}: update not delivered (${describeError(error)}); it stays in the outbox and is resent after reconnecting`);
        }
        throw error;
      }
      await state.outbox.remove(entry);
      answered.add(roundKey(studyId, round));
      // A round that closed while we trained (deadline) or reconnected is not an error of this node.
      log(`${clinicId}: round ${round} update not taken: ${(error as ServiceError).details}`);
      return false;
    }
    await state.outbox.remove(entry);
    answered.add(roundKey(studyId, round));
    if (trainedHere.has(roundKey(studyId, round))) summary.trainedRounds++;
    return true;
  };

  /** After every (re)connect, before new tasks: the outbox, oldest first. */
  const resendOutbox = async (): Promise<void> => {
    for (const entry of state.outbox.entries()) {
      if (shutdown.requested) return;
      const { clinicId: owner, studyId, round } = entry.header;
      if (owner !== clinicId) {
        log(`${clinicId}: ${entry.path} holds an update of clinic ${owner}, not sent (is this the right state directory?)`);
        continue;
      }
      log(`${clinicId}: resending the update of round ${round} of study ${studyId} from the outbox`);
      await resend(entry);
    }
  };

  const resend = async (entry: OutboxEntry): Promise<void> => {
    if (!(await deliver(entry))) return;
    summary.resentUpdates++;
    log(`${clinicId}: round ${entry.header.round} of study ${entry.header.studyId}: update acknowledged`);
  };

  /** A secure-aggregation round: the update goes into the masked sum; losing the round is not the node's failure. */
  const secureRound = async (
    task: Task__Output,
    trainLocally: () => Promise<{ result: { loss: number }; delta: Float32Array }>,
    distributed: DistributedNoiseSettings | null,
  ): Promise<boolean> => {
    const dropout = options.secAggDropout;
    // Training seeds are uniform in 0..2^31-1.
    const dropAt = dropout && (task.training?.seed ?? 0) / 2 ** 31 < dropout.probability ? dropout.at : null;
    let loss = 0;
    try {
      // Durably noted before any share leaves the node, so no later attempt of the round is joined.
      const beforeReveal = () => state.reveals.record(task.studyId, task.round, task.secagg!.attempt);
      const outcome = await runSecureRound(
        client,
        options.keystore.identity,
        task,
        async () => {
          const { result, delta } = await trainLocally();
          loss = result.loss;
          return distributed ? distributedContribution(delta, distributed) : { delta, weight: data.train.count };
        },
        dropAt,
        beforeReveal,
      );
      if (outcome.dropped) {
        summary.droppedRounds++;
        log(`${clinicId}: round ${task.round} dropped out on purpose (${outcome.dropped}, simulated dropout)`);
        return false;
      }
      summary.trainedRounds++;
      const noise = distributed ? `, distributed DP noise std ${distributed.noiseStd.toPrecision(4)} (floor ${distributed.contributors} clinics), epsilon so far ${summary.privacySpent!.epsilon.toFixed(4)}` : '';
      log(`${clinicId}: round ${task.round} trained (loss ${loss.toFixed(4)}) and securely aggregated with ${outcome.neighbours} neighbours${outcome.clipped > 0 ? `, ${outcome.clipped} values clipped to the study's range` : ''}${noise}`);
    } catch (error) {
      // The clinic's own refusal of what the coordinator sent (a forged advert, a threshold too low, ...).
      if (error instanceof SecAggError) {
        log(`${clinicId}: round ${task.round} secure aggregation refused: ${error.message}`);
        return false;
      }
      if (!roundMovedOn(error)) throw error;
      log(`${clinicId}: round ${task.round} secure aggregation left: ${(error as ServiceError).details}`);
    }
    return false;
  };

  const tracked = async (task: Task__Output): Promise<boolean> => {
    current = task;
    try {
      return await handle(task);
    } finally {
      current = null;
    }
  };

  let connections = 0;
  const backoff = new Backoff(options.reconnectBackoff);
  const outage = new ReconnectWindow(options.reconnectWindowMs ?? 10 * 60_000);
  /** Register, resend the outbox, then tasks until the stream ends, the study finishes, or a stop. */
  const connectAndServe = async (): Promise<StreamOutcome> => {
    await register();
    outage.succeeded();
    backoff.reset();
    if (connections++ > 0) log(`${clinicId}: reconnected`);
    await resendOutbox();
    if (shutdown.requested) return 'stopped';
    return processStream(client.watchTasks(clinicId), tracked, options.signal);
  };

  try {
    while (!shutdown.requested) {
      let failure: unknown = null;
      try {
        const outcome = await shutdown.within(connectAndServe());
        if (outcome === 'finished') return summary;
        if (outcome === ABANDONED) {
          // Set by the task handler, which TypeScript does not see from here.
          const task = current as Task__Output | null;
          const kept = task && state.outbox.get(task.studyId, task.round);
          log(`${clinicId}: ${task ? describeTask(task) : 'reconnecting'} not finished within the ${duration(grace)} grace period: abandoned${kept ? '; its update stays in the outbox for the next start' : ''}`);
          break;
        }
        if (outcome === 'stopped') break;
      } catch (error) {
        // Once stopping, failures are what the stop cut short (our own cancelled calls among them).
        if (shutdown.requested || error instanceof AbandonedError) break;
        if (!isTransient(error)) throw error;
        failure = error;
      }
      if (!outage.failed()) {
        throw new Error(
          `${clinicId}: giving up: no successful Register with the coordinator at ${options.coordinator} for ${duration(outage.elapsed())} (reconnect window ${duration(outage.windowMs)}); last error: ${failure ? describeError(failure) : 'the task stream ended'}`,
        );
      }
      const delay = backoff.next();
      log(`${clinicId}: ${failure ? `coordinator unreachable (${describeError(failure)})` : 'the coordinator ended the task stream'}; reconnecting in ${duration(delay)}`);
      await sleep(delay, options.signal);
    }
    summary.stopped = 'signal';
    log(`${clinicId}: stopped`);
    return summary;
  } finally {
    shutdown.dispose();
    await models.close();
    client.close();
  }
}

/** Where a node keeps its outbox and training journal unless told otherwise: beside its keys. */
function defaultStateDir(options: NodeOptions, clinicId: string): string {
  return options.keystore ? options.keystore.dir : join('.cohort', `node-${clinicId}`);
}

function roundKey(studyId: string, round: number, attempt?: number): string {
  return JSON.stringify(attempt === undefined ? [studyId, round] : [studyId, round, attempt]);
}

function describeTask(task: Task__Output): string {
  switch (task.kind) {
    case 'TASK_KIND_TRAIN':
      return `round ${task.round} of study ${task.studyId}`;
    case 'TASK_KIND_EVALUATE':
      return `the evaluation of model version ${task.modelVersion} of study ${task.studyId}`;
    default:
      return `the ${String(task.kind)} task of study ${task.studyId}`;
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

/** `UNAVAILABLE: read ECONNRESET`, or an error's message. */
function describeError(error: unknown): string {
  const { code, details, message } = error as Partial<ServiceError>;
  return typeof code === 'number' ? `${status[code] ?? code}: ${details ?? message}` : String(message ?? error);
}

/**
 * The coordinator's answer when a round went on without this node (closed or failed, gone, already
 * holding its update): not the node's error.
 */
function roundMovedOn(error: unknown): boolean {
  const code = (error as ServiceError).code;
  return code === status.FAILED_PRECONDITION || code === status.NOT_FOUND || code === status.ALREADY_EXISTS;
}

/** How a task stream ended: the study finished (and the node should stop), the coordinator ended it, or a stop. */
type StreamOutcome = 'finished' | 'ended' | 'stopped';

/**
 * Handles tasks strictly in order. Resolves 'finished' when `handle` says stop, 'ended' when the
 * coordinator ends the stream, 'stopped' once `signal` aborts and the task under way is done (no
 * task starts after it); rejects with the stream's error or a task's.
 */
function processStream(stream: ClientReadableStream<Task__Output>, handle: (task: Task__Output) => Promise<boolean>, signal?: AbortSignal): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    let chain = Promise.resolve(false);
    let settled = false;
    let cancelled = false;
    const cancel = () => {
      if (!cancelled) {
        cancelled = true;
        stream.cancel();
      }
    };
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        signal?.removeEventListener('abort', stop);
        fn();
      }
    };
    const stop = () => {
      cancel();
      void chain.then(
        () => settle(() => resolve('stopped')),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    stream.on('data', (task: Task__Output) => {
      chain = chain.then(async (done) => {
        if (done || settled || signal?.aborted) return done;
        const finished = await handle(task);
        if (finished) {
          settle(() => resolve('finished'));
          cancel();
        }
        return finished;
      });
      chain.catch((error: unknown) => {
        settle(() => reject(error));
        cancel();
      });
    });
    // The stream's own failure (a coordinator gone mid-call) counts once the task under way is done,
    // so a task that fails with it does not race it. Our own cancel is no failure.
    stream.on('error', (error: ServiceError) => {
      if (cancelled) return;
      const fail = () => settle(() => reject(error));
      void chain.then(fail, fail);
    });
    stream.on('end', () => void chain.then((done) => settle(() => resolve(done ? 'finished' : 'ended')), () => undefined));
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}

function privacyGuard(options: NodeOptions): PrivacyGuard {
  const ledger = LedgerFile.open(options.ledgerPath ?? join(options.keystore.dir, LEDGER_FILE), options.keystore.identity, options.log);
  return new PrivacyGuard(ledger, options.budget ?? null);
}

function toModelSpec(message: ModelSpec__Output | null): ModelSpec {
  if (!message) throw new Error('task carries no model spec');
  return modelSpec(message.architecture, message.inputDim, message.hiddenUnits, message.outputDim);
}
