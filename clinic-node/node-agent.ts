import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
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
import { PrivacyGuard, type DistributedNoiseSettings, type PrivacyBudget } from './privacy/privacy-guard.js';
import { distributedContribution, runSecureRound, type DropPoint } from './secagg/secure-round.js';

/** Where a node keeps its privacy ledger unless told otherwise: beside its keys. */
export const LEDGER_FILE = 'privacy-ledger.jsonl';

/** How to run a clinic node. */
export interface NodeOptions {
  /** Coordinator gRPC address, `host:port`. */
  coordinator: string;
  /** Dataset and site this clinic serves, e.g. `fed-heart-disease` / `cleveland`. */
  dataset: string;
  site: string;
  /** Identity towards the coordinator. Default: the keystore's clinic id, else the site name. */
  clinicId?: string;
  /** The clinic's keys: its identity and study keys. Needed for encrypted studies (privacy `he`). */
  keystore?: Keystore;
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
  /** Reconnect attempts while the coordinator is unreachable. Default 30 (about a minute). */
  maxReconnects?: number;
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
}

/**
 * A clinic node: registers, then trains and evaluates as tasks arrive, one at a time. Records never
 * leave the process; only the update (local minus global parameters) and test-set counts do.
 */
export async function runNode(options: NodeOptions): Promise<NodeSummary> {
  const log = options.log ?? (() => undefined);
  checkSite(datasetDescriptor(options.dataset), options.site);
  const clinicId = options.clinicId ?? options.keystore?.clinicId ?? options.site;
  if (options.keystore && options.keystore.clinicId !== clinicId) {
    throw new Error(`the keystore holds the identity of ${options.keystore.clinicId}, not of clinic ${clinicId}`);
  }
  // Before the data: a budget that cannot be enforced, or a ledger that does not verify, stops the node at once.
  const guard = privacyGuard(options);
  const spent = guard?.spent();
  if (spent) log(`${clinicId}: privacy budget epsilon ${options.budget!.epsilon} at delta ${spent.delta}, ${spent.epsilon.toPrecision(6)} spent so far`);
  const data = options.preloaded ?? (await loadSiteDataset(options.dataset, options.site, options.data ?? {}));
  const learner = new LocalLearner(data);
  await learner.ready();
  const client = new FederationClient(options.coordinator);
  const models = new GlobalModels(client, clinicId, options.keystore ?? null);
  const summary: NodeSummary = { clinicId, trainedRounds: 0, evaluations: 0, studyStatus: null, lastModel: null, refusedRounds: 0, droppedRounds: 0, privacySpent: spent ?? null };

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
        const spec = toModelSpec(task.model);
        const training = task.training!;
        let dp = null;
        let distributed = null;
        if (guard) {
          // Under secagg+dp the noise is added to the clinic's share of the secure sum, not in DP-SGD.
          const distributedFloor = task.secagg && task.dp ? { distributed: { contributors: task.secagg.minContributors } } : {};
          const decision = guard.decide({ studyId: task.studyId, round: task.round, dp: task.dp, batchSize: training.batchSize, localSteps: training.localSteps, ...distributedFloor }, data.train.count);
          // The coordinator holds the entry (and any it missed) before the update or the refusal counts.
          if (decision.entry) await guard.sync(client, clinicId);
          summary.privacySpent = guard.spent();
          if (!decision.train) {
            summary.refusedRounds++;
            log(`${clinicId}: round ${task.round} of study ${task.studyId} refused: ${decision.reason}`);
            return false;
          }
          dp = decision.dp;
          distributed = decision.distributed;
        } else if (task.dp) {
          log(`${clinicId}: round ${task.round} of study ${task.studyId} skipped: the study is differentially private and this node has no keystore to sign its privacy ledger with`);
          return false;
        }
        const trainLocally = async () => {
          const global = await models.parameters(task);
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
        if (task.secagg) return secureRound(task, trainLocally, distributed);
        const codec = await models.updateCodec(task);
        const { result, delta } = await trainLocally();
        try {
          await client.uploadUpdate({
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
          summary.trainedRounds++;
          const privacy = dp ? `, DP-SGD z=${dp.noiseMultiplier.toFixed(3)} q=${dp.samplingRate.toFixed(4)}, ${(100 * result.clippedFraction!).toFixed(0)}% clipped, epsilon so far ${summary.privacySpent!.epsilon.toFixed(4)}` : '';
          log(`${clinicId}: round ${task.round} trained (${training.localSteps} steps, loss ${result.loss.toFixed(4)}${privacy}) and sent`);
        } catch (error) {
          // A round that closed while we trained (deadline) is not an error of this node.
          if (!roundMovedOn(error)) throw error;
          log(`${clinicId}: round ${task.round} update not taken: ${(error as ServiceError).details}`);
        }
        return false;
      }
      case 'TASK_KIND_EVALUATE': {
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
        summary.studyStatus = task.studyStatus;
        log(`${clinicId}: study ${task.studyId} ${task.studyStatus}: ${task.message}`);
        return options.exitWhenDone === true;
      default:
        log(`${clinicId}: ignoring task of unknown kind ${String(task.kind)}`);
        return false;
    }
  };

  /** A secure-aggregation round: the update goes into the masked sum; losing the round is not the node's failure. */
  const secureRound = async (
    task: Task__Output,
    trainLocally: () => Promise<{ result: { loss: number }; delta: Float32Array }>,
    distributed: DistributedNoiseSettings | null,
  ): Promise<boolean> => {
    if (!options.keystore) {
      log(`${clinicId}: round ${task.round} of study ${task.studyId} skipped: secure aggregation needs the clinic's enrolled identity (a keystore)`);
      return false;
    }
    const dropout = options.secAggDropout;
    // Training seeds are uniform in 0..2^31-1.
    const dropAt = dropout && (task.training?.seed ?? 0) / 2 ** 31 < dropout.probability ? dropout.at : null;
    let loss = 0;
    try {
      const outcome = await runSecureRound(client, options.keystore.identity, task, async () => {
        const { result, delta } = await trainLocally();
        loss = result.loss;
        return distributed ? distributedContribution(delta, distributed) : { delta, weight: data.train.count };
      }, dropAt);
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

  try {
    let attempts = 0;
    for (;;) {
      try {
        await register();
        attempts = 0;
        const finished = await processStream(client.watchTasks(clinicId), handle);
        if (finished) return summary;
      } catch (error) {
        const code = (error as ServiceError).code;
        if (code !== status.UNAVAILABLE || ++attempts > (options.maxReconnects ?? 30)) throw error;
      }
      log(`${clinicId}: coordinator unreachable, reconnecting`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempts)));
    }
  } finally {
    await models.close();
    client.close();
  }
}

/** The coordinator's answer when a round went on without this node (closed, failed, already has its update): not the node's error. */
function roundMovedOn(error: unknown): boolean {
  const code = (error as ServiceError).code;
  return code === status.FAILED_PRECONDITION || code === status.ALREADY_EXISTS;
}

/** Handles tasks strictly in order; resolves true when `handle` says stop, false when the stream ends. */
function processStream(stream: ClientReadableStream<Task__Output>, handle: (task: Task__Output) => Promise<boolean>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let chain = Promise.resolve(false);
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    stream.on('data', (task: Task__Output) => {
      chain = chain.then(async (stop) => {
        if (stop || settled) return stop;
        const done = await handle(task);
        if (done) {
          settle(() => resolve(true));
          stream.cancel();
        }
        return done;
      });
      chain.catch((error: unknown) => {
        settle(() => reject(error));
        stream.cancel();
      });
    });
    stream.on('error', (error: ServiceError) => {
      if (error.code !== status.CANCELLED) void chain.finally(() => settle(() => reject(error)));
    });
    stream.on('end', () => void chain.then((stop) => settle(() => resolve(stop)), () => undefined));
  });
}

function privacyGuard(options: NodeOptions): PrivacyGuard | null {
  if (!options.keystore) {
    if (options.budget || options.ledgerPath) throw new Error('a privacy budget needs a keystore: the privacy ledger is signed with the clinic\'s identity');
    return null;
  }
  const ledger = LedgerFile.open(options.ledgerPath ?? join(options.keystore.dir, LEDGER_FILE), options.keystore.identity, options.log);
  return new PrivacyGuard(ledger, options.budget ?? null);
}

function toModelSpec(message: ModelSpec__Output | null): ModelSpec {
  if (!message) throw new Error('task carries no model spec');
  return modelSpec(message.architecture, message.inputDim, message.hiddenUnits, message.outputDim);
}
