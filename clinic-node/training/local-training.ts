import * as tf from '@tensorflow/tfjs';
import { permutation, seededRandom } from '../../common/random.js';
import type { ModelSpec } from '../../common/model-spec.js';
import { poissonSample } from '../../crypto/index.js';
import type { Examples } from '../data/dataset.js';
import { DenseModel } from './dense-model.js';
import { clippedGradientSums, noisyMeanGradients, type DpSgdSettings } from './dp-sgd.js';

export interface TrainingOptions {
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  batchSize: number;
  /** Mini-batch updates (federated rounds). Exactly one of `steps` and `epochs`. */
  steps?: number;
  /** Full passes over the data (centralised baselines). */
  epochs?: number;
  /** Seeds the shuffling (not used by DP-SGD, whose batches come from the CSPRNG). */
  seed: number;
  /**
   * DP-SGD instead of plain mini-batches: every step draws a Poisson batch (each record with
   * probability `samplingRate`, so `batchSize` is ignored), clips each example's gradient and adds
   * Gaussian noise. Needs `steps`.
   */
  dp?: DpSgdSettings;
  /**
   * FedProx's proximal term (Li et al. 2020): mu/2 * ||w - w_start||^2 added to every step's
   * objective, through its gradient mu * (w - w_start), in plain and DP-SGD training alike; it
   * keeps the local model near the global one it started from. The loss reported stays the data
   * loss. 0 or absent: no term, the same steps as without it. Default absent.
   */
  proximalMu?: number;
}

export interface TrainingResult {
  parameters: Float32Array;
  /** Mean training loss over the steps taken (over non-empty batches under DP-SGD). */
  loss: number;
  steps: number;
  /** Under DP-SGD: the fraction of example gradients that were clipped. */
  clippedFraction?: number;
  /** True when the round trained nothing and the clinic answered with its feature statistics (federated preprocessing's round). */
  statisticsOnly?: boolean;
}

/**
 * Mini-batch training as a PyTorch DataLoader with shuffle=True feeds it: batches come from a
 * shuffled pass over the data, a new shuffle each pass, the last batch of a pass possibly smaller.
 */
export function train(spec: ModelSpec, initial: Float32Array, data: Examples, options: TrainingOptions): TrainingResult {
  if (data.count === 0) throw new Error('cannot train on an empty training set');
  if (options.dp) return trainPrivately(spec, initial, data, options, options.dp);
  const batchesPerPass = Math.ceil(data.count / options.batchSize);
  const steps = options.steps ?? (options.epochs ?? 1) * batchesPerPass;
  const random = seededRandom(options.seed);
  const { model, optimizer, x, y, proximal, release } = trainingState(spec, initial, data, options);
  let lossSum = 0;
  try {
    let order: number[] = [];
    let cursor = 0;
    for (let step = 0; step < steps; step++) {
      if (cursor >= order.length) {
        order = permutation(data.count, random);
        cursor = 0;
      }
      const batch = order.slice(cursor, cursor + options.batchSize);
      cursor += options.batchSize;
      const loss = tf.tidy(() => {
        const xb = gatherRows(x, batch);
        const yb = gatherRows(y, batch);
        if (!proximal) return optimizer.minimize(() => model.loss(xb, yb), true, model.variables)!;
        const { value, grads } = tf.variableGrads(() => model.loss(xb, yb), model.variables);
        optimizer.applyGradients(proximal.add(model.variables.map((v) => grads[v.name]!)).map((tensor, i) => ({ name: model.variables[i]!.name, tensor })));
        return value;
      });
      lossSum += loss.dataSync()[0]!;
      loss.dispose();
    }
    return { parameters: model.parameters(), loss: lossSum / steps, steps };
  } finally {
    release();
  }
}

/**
 * DP-SGD (Abadi et al. 2016) with Poisson sampling, the sampling the RDP accountant's sampled
 * Gaussian mechanism assumes: `steps` steps, each on a batch where every record is present with
 * probability q, each example's gradient clipped to C, noise N(0, (zC)^2) added to the sum.
 */
function trainPrivately(spec: ModelSpec, initial: Float32Array, data: Examples, options: TrainingOptions, dp: DpSgdSettings): TrainingResult {
  const steps = options.steps;
  if (steps === undefined) throw new Error('DP-SGD trains a fixed number of steps (the accountant counts them); epochs are not supported');
  if (!(dp.clipNorm > 0) || !(dp.noiseMultiplier >= 0) || !(dp.samplingRate > 0 && dp.samplingRate <= 1)) {
    throw new RangeError(`DP-SGD needs clip norm > 0, noise multiplier >= 0 and sampling rate in (0, 1], got ${JSON.stringify(dp)}`);
  }
  const { model, optimizer, x, y, proximal, release } = trainingState(spec, initial, data, options);
  let lossSum = 0;
  let lossSteps = 0;
  let clipped = 0;
  let examples = 0;
  const applyNoisyStep = (sums: tf.Tensor[]) => {
    const noisy = noisyMeanGradients(sums, dp, data.count);
    // The proximal gradient depends only on the weights and the global model: no record, no extra privacy cost.
    const gradients = proximal ? proximal.add(noisy) : noisy;
    optimizer.applyGradients(model.variables.map((v, i) => ({ name: v.name, tensor: gradients[i]! })));
  };
  try {
    for (let step = 0; step < steps; step++) {
      const batch = poissonSample(data.count, dp.samplingRate);
      const stats = tf.tidy(() => {
        if (batch.length === 0) {
          // An empty Poisson batch still takes a step: noise only, as the accountant assumes.
          applyNoisyStep(model.variables.map((v) => tf.zerosLike(v)));
          return tf.tensor1d([0, 0]);
        }
        const { sums, loss, clipped } = clippedGradientSums(model, gatherRows(x, batch), gatherRows(y, batch), dp.clipNorm);
        applyNoisyStep(sums);
        return tf.stack([loss, clipped]);
      });
      const [loss, clippedHere] = stats.dataSync();
      stats.dispose();
      if (batch.length > 0) {
        lossSum += loss!;
        lossSteps++;
        clipped += clippedHere!;
        examples += batch.length;
      }
    }
    return { parameters: model.parameters(), loss: lossSteps > 0 ? lossSum / lossSteps : 0, steps, clippedFraction: examples > 0 ? clipped / examples : 0 };
  } finally {
    release();
  }
}

function trainingState(spec: ModelSpec, initial: Float32Array, data: Examples, options: TrainingOptions) {
  const mu = options.proximalMu ?? 0;
  if (!(Number.isFinite(mu) && mu >= 0)) throw new RangeError(`the proximal term needs mu >= 0, got ${mu}`);
  const model = new DenseModel(spec, initial);
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate, 0.9, 0.999, 1e-8) : tf.train.sgd(options.learningRate);
  const x = tf.tensor2d(data.x, [data.count, data.features]);
  const y = tf.tensor2d(data.y, [data.count, 1]);
  const proximal = mu > 0 ? new ProximalTerm(mu, model.variables) : null;
  const release = () => {
    x.dispose();
    y.dispose();
    proximal?.dispose();
    optimizer.dispose();
    model.dispose();
  };
  return { model, optimizer, x, y, proximal, release };
}

/** The proximal term's gradient mu * (w - w_start), w_start the weights training started from. */
export class ProximalTerm {
  private readonly start: tf.Tensor[];

  constructor(
    private readonly mu: number,
    private readonly variables: readonly tf.Variable[],
  ) {
    this.start = variables.map((v) => tf.keep(v.clone()));
  }

  /** Each gradient plus the proximal gradient of its variable (same order as the variables). */
  add(gradients: readonly tf.Tensor[]): tf.Tensor[] {
    return gradients.map((g, i) => tf.add(g, tf.mul(this.mu, tf.sub(this.variables[i]!, this.start[i]!))));
  }

  dispose(): void {
    this.start.forEach((t) => t.dispose());
  }
}

function gatherRows(t: tf.Tensor2D, rows: number[]): tf.Tensor2D {
  return tf.gather(t, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
}

export function evaluate(spec: ModelSpec, parameters: Float32Array, data: Examples) {
  const model = new DenseModel(spec, parameters);
  try {
    return model.evaluate(data);
  } finally {
    model.dispose();
  }
}
