import * as tf from '@tensorflow/tfjs';
import { gaussianNoise } from '../../crypto/index.js';
import { outputErrors, outputLoss, type DenseModel } from './dense-model.js';

/** DP-SGD settings for one round of local training (Abadi et al. 2016, with Poisson sampling). */
export interface DpSgdSettings {
  /** L2 bound C on each example's gradient (all layers together). */
  clipNorm: number;
  /** Noise standard deviation as a multiple of `clipNorm` (z). */
  noiseMultiplier: number;
  /** Poisson sampling rate q: each record joins a step's batch with this probability. */
  samplingRate: number;
}

export interface ClippedGradients {
  /** Sum over the batch of each example's gradient scaled to norm at most C, one tensor per model variable. */
  sums: tf.Tensor[];
  /** Mean loss of the batch, for progress reports. */
  loss: tf.Scalar;
  /** Examples whose gradient norm exceeded C. */
  clipped: tf.Scalar;
}

/**
 * Per-example clipped gradient sums of a dense ReLU network in one batched backward pass, without
 * materialising per-example gradients. For a dense layer an example's kernel gradient is the outer
 * product of its input activation a and its output error d, so its squared norm is |a|^2 |d|^2
 * (plus |d|^2 for the bias), and the clipped sum is A^T (c * D) with c each example's clip factor
 * (Goodfellow 2015, "ghost clipping"). Memory and time are those of ordinary backprop plus a
 * few row norms. The loss is each example's own, as {@link DenseModel.loss} averages it: sigmoid
 * cross-entropy, softmax cross-entropy (output error softmax - one-hot) or squared error
 * (output error 2 (prediction - y)). Call inside `tf.tidy`.
 */
export function clippedGradientSums(model: DenseModel, x: tf.Tensor2D, y: tf.Tensor2D, clipNorm: number): ClippedGradients {
  const layers = model.variables.length / 2;
  const kernel = (l: number) => model.variables[2 * l] as tf.Tensor2D;
  const bias = (l: number) => model.variables[2 * l + 1] as tf.Tensor1D;
  // Forward, keeping each layer's input and pre-activation.
  const inputs: tf.Tensor2D[] = [];
  const preActivations: tf.Tensor2D[] = [];
  let h = x;
  for (let l = 0; l < layers; l++) {
    inputs.push(h);
    const z = tf.add(tf.matMul(h, kernel(l)), bias(l)) as tf.Tensor2D;
    preActivations.push(z);
    h = l + 1 < layers ? tf.relu(z) : z;
  }
  const logits = h;
  const loss = outputLoss(model.spec, y, logits);
  // Backward: errors d_l = dloss_i / dz_l for every example i at once.
  const errors: tf.Tensor2D[] = new Array(layers);
  errors[layers - 1] = outputErrors(model.spec, y, logits);
  for (let l = layers - 1; l > 0; l--) {
    const back = tf.matMul(errors[l]!, kernel(l), false, true);
    errors[l - 1] = tf.mul(back, tf.step(preActivations[l - 1]!)) as tf.Tensor2D;
  }
  const rowSquares = (t: tf.Tensor2D) => tf.sum(tf.square(t), 1);
  let squaredNorms: tf.Tensor1D = tf.zeros([x.shape[0]]);
  for (let l = 0; l < layers; l++) {
    const errorSquares = rowSquares(errors[l]!);
    squaredNorms = tf.add(squaredNorms, tf.mul(errorSquares, tf.add(rowSquares(inputs[l]!), 1)));
  }
  const norms = tf.sqrt(squaredNorms);
  // Opacus's factor: min(1, C / (norm + 1e-6)).
  const factors = tf.minimum(tf.div(clipNorm, tf.add(norms, 1e-6)), 1).reshape([-1, 1]);
  const sums = errors.flatMap((error, l) => {
    const scaled = tf.mul(error, factors);
    return [tf.matMul(inputs[l]!, scaled, true, false), tf.sum(scaled, 0)];
  });
  return { sums, loss, clipped: tf.sum(tf.cast(tf.greater(norms, clipNorm), 'float32')) as tf.Scalar };
}

/**
 * The noisy mean gradient of one DP-SGD step: (sum of clipped gradients + N(0, (zC)^2 I)) divided by
 * the expected batch size qn, as Opacus does under Poisson sampling (dividing by the realised size
 * would leak it). Noise comes from the CSPRNG. Call inside `tf.tidy`.
 */
export function noisyMeanGradients(sums: tf.Tensor[], settings: DpSgdSettings, records: number): tf.Tensor[] {
  const total = sums.reduce((n, t) => n + t.size, 0);
  const noise = Float32Array.from(gaussianNoise(total, settings.noiseMultiplier * settings.clipNorm));
  const expectedBatch = settings.samplingRate * records;
  let offset = 0;
  return sums.map((sum) => {
    const part = tf.tensor(noise.subarray(offset, offset + sum.size), sum.shape, 'float32');
    offset += sum.size;
    return tf.div(tf.add(sum, part), expectedBatch);
  });
}
