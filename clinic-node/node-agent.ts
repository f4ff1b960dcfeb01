import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { checkSite, datasetDescriptor } from '../common/datasets.js';
import { modelSpec, type ModelSpec } from '../common/model-spec.js';
import { plainFloat32Codec } from '../crypto/index.js';
import type { ModelSpec__Output } from '../protos/generated/cohort/v1/ModelSpec.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { FederationClient } from './client/federation-client.js';
import { GlobalModels } from './global-model.js';
import type { Keystore } from './keys/index.js';
import { loadSiteDataset } from './data/index.js';
import type { DataOptions, SiteDataset } from './data/dataset.js';
import { LocalLearner } from './training/local-learner.js';

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
}

export interface NodeSummary {
  clinicId: string;
  trainedRounds: number;
  evaluations: number;
  studyStatus: string | null;
  /** The last model version this clinic evaluated, as it sees it (for encrypted studies only clinics can). */
  lastModel: { studyId: string; version: number; parameters: Float32Array } | null;
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
  const data = options.preloaded ?? (await loadSiteDataset(options.dataset, options.site, options.data ?? {}));
  const learner = new LocalLearner(data);
  await learner.ready();
  const client = new FederationClient(options.coordinator);
  const models = new GlobalModels(client, clinicId, options.keystore ?? null);
  const summary: NodeSummary = { clinicId, trainedRounds: 0, evaluations: 0, studyStatus: null, lastModel: null };

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
        const global = await models.parameters(task);
        const codec = await models.updateCodec(task);
        const training = task.training!;
        const result = await learner.train(spec, global, {
          optimizer: training.optimizer === 'adam' ? 'adam' : 'sgd',
          learningRate: training.learningRate,
          batchSize: training.batchSize,
          steps: training.localSteps,
          seed: training.seed,
        });
        const delta = result.parameters.map((w, i) => w - global[i]!);
        try {
          await client.uploadUpdate({
            clinicId,
            studyId: task.studyId,
            round: task.round,
            modelVersion: task.modelVersion,
            trainLoss: result.loss,
            // Encrypted: the sample count travels inside the ciphertexts, never in the clear.
            ...(codec
              ? { codec: codec.name, keyId: codec.keyId, numSamples: 0, payload: codec.encode(delta, data.train.count, Math.max(1, task.participants)) }
              : { codec: plainFloat32Codec.name, numSamples: data.train.count, payload: plainFloat32Codec.encode(delta) }),
          });
          summary.trainedRounds++;
          log(`${clinicId}: round ${task.round} trained (${training.localSteps} steps, loss ${result.loss.toFixed(4)}) and sent`);
        } catch (error) {
          // A round that closed while we trained (deadline) is not an error of this node.
          const code = (error as ServiceError).code;
          if (code !== status.FAILED_PRECONDITION && code !== status.ALREADY_EXISTS) throw error;
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

function toModelSpec(message: ModelSpec__Output | null): ModelSpec {
  if (!message) throw new Error('task carries no model spec');
  return modelSpec(message.architecture, message.inputDim, message.hiddenUnits, message.outputDim);
}
