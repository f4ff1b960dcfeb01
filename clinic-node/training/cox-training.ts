import * as tf from '@tensorflow/tfjs';
import { permutation, seededRandom } from '../../common/random.js';
import { concordanceCounts, type ConcordanceCounts, type SurvivalRecords } from '../../survival/index.js';

/**
 * A linear Cox model trained by mini-batch gradient descent on the partial likelihood, FLamby's
 * Fed-TCGA-BRCA protocol: parameters are `Linear(p, 1)`'s, the weights then the bias (the bias
 * cancels in the likelihood and is kept only for the layout), and each batch's loss is its own
 * Cox loss, records sorted by time with the risk set taken within the batch, averaged over the
 * batch (FLamby's `BaselineLoss`).
 */
export interface CoxTrainingOptions {
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  batchSize: number;
  steps: number;
  /** Seeds the shuffling. */
  seed: number;
}

export interface CoxTrainingResult {
  parameters: Float32Array;
  /** Mean batch loss over the steps taken. */
  loss: number;
  steps: number;
}

/** Parameters of a linear Cox model over `covariates` (weights then the bias). */
export function coxParameterCount(covariates: number): number {
  return covariates + 1;
}

/**
 * FLamby's batch loss: with records in decreasing time, -mean over the batch of
 * event × (score - log Σ_{earlier rows} exp(score)), shifted by the largest score for range.
 */
export function batchCoxLoss(scores: tf.Tensor1D, events: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const shifted = tf.sub(scores, tf.max(scores));
    const logRisk = tf.log(tf.cumsum(tf.exp(shifted)));
    return tf.neg(tf.mean(tf.mul(tf.sub(shifted, logRisk), events))) as tf.Scalar;
  });
}

/** `rows` in decreasing time, as the batch loss expects (stable, so ties keep the sampled order). */
function byDecreasingTime(records: SurvivalRecords, rows: number[]): number[] {
  return [...rows].sort((a, b) => records.time[b]! - records.time[a]!);
}

export function trainCox(initial: Float32Array, records: SurvivalRecords, options: CoxTrainingOptions): CoxTrainingResult {
  const p = records.covariates;
  if (initial.length !== coxParameterCount(p))
    throw new Error(`a linear Cox model over ${p} covariates has ${coxParameterCount(p)} parameters, got ${initial.length}`);
  if (records.count === 0) throw new Error('cannot train on an empty training set');
  const random = seededRandom(options.seed);
  const weights = tf.variable(tf.tensor2d(initial.subarray(0, p), [p, 1]));
  const bias = tf.variable(tf.tensor1d(initial.subarray(p)));
  const x = tf.tensor2d(Float32Array.from(records.x), [records.count, p]);
  const events = tf.tensor1d(Float32Array.from(records.event));
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate, 0.9, 0.999, 1e-8) : tf.train.sgd(options.learningRate);
  let lossSum = 0;
  try {
    let order: number[] = [];
    let cursor = 0;
    for (let step = 0; step < options.steps; step++) {
      if (cursor >= order.length) {
        order = permutation(records.count, random);
        cursor = 0;
      }
      const batch = byDecreasingTime(records, order.slice(cursor, cursor + options.batchSize));
      cursor += options.batchSize;
      const loss = tf.tidy(() => {
        const index = tf.tensor1d(batch, 'int32');
        const xb = tf.gather(x, index);
        const eb = tf.gather(events, index) as tf.Tensor1D;
        return optimizer.minimize(() => batchCoxLoss(tf.add(tf.matMul(xb, weights), bias).reshape([-1]) as tf.Tensor1D, eb), true, [weights, bias])!;
      });
      lossSum += loss.dataSync()[0]!;
      loss.dispose();
    }
    const parameters = new Float32Array(coxParameterCount(p));
    parameters.set(weights.dataSync(), 0);
    parameters.set(bias.dataSync(), p);
    return { parameters, loss: lossSum / options.steps, steps: options.steps };
  } finally {
    [weights, bias, x, events].forEach((t) => t.dispose());
    optimizer.dispose();
  }
}

/** Each record's linear predictor (its log relative hazard) under `parameters`. */
export function coxRiskScores(parameters: ArrayLike<number>, records: SurvivalRecords): Float64Array {
  const p = records.covariates;
  const scores = new Float64Array(records.count);
  for (let i = 0; i < records.count; i++) for (let j = 0; j < p; j++) scores[i] += records.x[i * p + j]! * parameters[j]!;
  return scores;
}

/** Concordance pair counts of the model on `records` (the coordinator divides, after adding them). */
export function evaluateCox(parameters: ArrayLike<number>, records: SurvivalRecords): ConcordanceCounts {
  return concordanceCounts(records.time, records.event, coxRiskScores(parameters, records));
}
