import * as tf from '@tensorflow/tfjs';
import { permutation, seededRandom } from '../../common/random.js';
import type { ModelSpec } from '../../common/model-spec.js';
import type { Examples } from '../data/dataset.js';
import { DenseModel } from './dense-model.js';

export interface TrainingOptions {
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  batchSize: number;
  /** Mini-batch updates (federated rounds). Exactly one of `steps` and `epochs`. */
  steps?: number;
  /** Full passes over the data (centralised baselines). */
  epochs?: number;
  /** Seeds the shuffling. */
  seed: number;
}

export interface TrainingResult {
  parameters: Float32Array;
  /** Mean training loss over the steps taken. */
  loss: number;
  steps: number;
}

/**
 * Mini-batch training as a PyTorch DataLoader with shuffle=True feeds it: batches come from a
 * shuffled pass over the data, a new shuffle each pass, the last batch of a pass possibly smaller.
 */
export function train(spec: ModelSpec, initial: Float32Array, data: Examples, options: TrainingOptions): TrainingResult {
  if (data.count === 0) throw new Error('cannot train on an empty training set');
  const batchesPerPass = Math.ceil(data.count / options.batchSize);
  const steps = options.steps ?? (options.epochs ?? 1) * batchesPerPass;
  const random = seededRandom(options.seed);
  const model = new DenseModel(spec, initial);
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate, 0.9, 0.999, 1e-8) : tf.train.sgd(options.learningRate);
  const x = tf.tensor2d(data.x, [data.count, data.features]);
  const y = tf.tensor2d(data.y, [data.count, 1]);
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
        const index = tf.tensor1d(batch, 'int32');
        const xb = tf.gather(x, index) as tf.Tensor2D;
        const yb = tf.gather(y, index) as tf.Tensor2D;
        return optimizer.minimize(() => model.loss(xb, yb), true, model.variables)!;
      });
      lossSum += loss.dataSync()[0]!;
      loss.dispose();
    }
    return { parameters: model.parameters(), loss: lossSum / steps, steps };
  } finally {
    x.dispose();
    y.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

export function evaluate(spec: ModelSpec, parameters: Float32Array, data: Examples) {
  const model = new DenseModel(spec, parameters);
  try {
    return model.evaluate(data);
  } finally {
    model.dispose();
  }
}
