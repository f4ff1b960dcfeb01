import * as tf from '@tensorflow/tfjs';
import { gaussianNoise, poissonSample } from '../../crypto/index.js';
import { coxStatistics, type SurvivalRecords } from '../../survival/index.js';
import { coxParameterCount, type CoxTrainingResult } from './cox-training.js';
import type { DpSgdSettings } from './dp-sgd.js';

/** One round of DP-SGD on a linear Cox model; see {@link trainCoxPrivately}. */
export interface CoxDpTrainingOptions {
  optimizer: 'sgd' | 'adam';
  learningRate: number;
  steps: number;
  dp: DpSgdSettings;
}

/** The gradient of the batch's summed Cox loss (minus its Breslow log partial likelihood) at `beta`; zeros for an empty batch. */
export function batchCoxGradient(records: SurvivalRecords, rows: readonly number[], beta: ArrayLike<number>): Float64Array {
  const p = records.covariates;
  if (rows.length === 0) return new Float64Array(p);
  const batch = batchRecords(records, rows);
  return coxStatistics(batch, beta, 'breslow').gradient.map((v) => -v);
}

/** G(B): the batch's Cox-loss gradient scaled to L2 norm at most `bound` (C/2 in training). */
export function clippedBatchCoxGradient(records: SurvivalRecords, rows: readonly number[], beta: ArrayLike<number>, bound: number) {
  const gradient = batchCoxGradient(records, rows, beta);
  const norm = Math.hypot(...gradient);
  const factor = norm > bound ? bound / norm : 1;
  return { gradient: gradient.map((v) => v * factor), clipped: factor < 1 };
}

/**
 * DP-SGD for a linear Cox model, with the sensitivity argued for a loss that couples its records.
 *
 * A batch's Cox loss is not a sum of per-record losses: record k sits in the risk set of every
 * event before its time, so removing it changes the other events' terms too (by up to its share
 * exp(x_k β) / Σ_risk exp(xβ) of each, which nothing bounds). Clipping each record's term would
 * therefore not bound one record's influence on the batch gradient: it can grow with the batch.
 *
 * What is bounded instead is the whole batch's contribution. Each step releases
 *
 *   G(B) + N(0, (zC)² I),   G(B) = clip_{C/2}(∇ of the batch's summed Cox loss),  G(∅) = 0,
 *
 * with B a Poisson sample (each record independently with probability q). For any batch B and
 * record k, G(B ∪ {k}) and G(B) both lie in the ball of radius C/2, so
 * ‖G(B ∪ {k}) − G(B)‖ ≤ C, whatever the loss does inside the batch (ties, risk sets, the bias):
 * the add-or-remove sensitivity of one step is C, exactly the sensitivity of per-example DP-SGD with
 * clip norm C. The sampled Gaussian mechanism's RDP (Mironov, Talwar and Zhang 2019) needs only that
 * bound on the shift between a batch with and without the record, at every batch, so the clinic's
 * accountant, calibration and ledger entry (`dp-sgd`, clip norm C, noise multiplier z) hold as they
 * stand. The cost: the signal of a step is at most C/2 however large the batch, against up to qn·C
 * for per-example clipping; small batches lose the least. (Kong, Muñoz Medina and Ribero 2023,
 * "DP-SGD for non-decomposable objective functions", reach a sensitivity independent of the batch
 * for contrastive losses by clipping pairwise logit gradients; for the Cox loss that bound needs
 * bounded risk scores, which a linear model on unnormalised covariates does not have.)
 *
 * The batch loss uses Breslow risk sets (every record whose time is at or after the event's), a
 * function of the batch as a set. The bias cancels in the Cox likelihood: its gradient is zero for
 * every batch, carries no data and gets no noise. The noisy sum is divided by the expected batch
 * size qn, as for classification (the realised size would leak).
 */
export function trainCoxPrivately(
  initial: Float32Array,
  records: SurvivalRecords,
  options: CoxDpTrainingOptions,
): CoxTrainingResult & { clippedFraction: number } {
  const p = records.covariates;
  const { dp, steps } = options;
  if (initial.length !== coxParameterCount(p))
    throw new Error(`a linear Cox model over ${p} covariates has ${coxParameterCount(p)} parameters, got ${initial.length}`);
  if (records.count === 0) throw new Error('cannot train on an empty training set');
  if (!(dp.clipNorm > 0) || !(dp.noiseMultiplier >= 0) || !(dp.samplingRate > 0 && dp.samplingRate <= 1)) {
    throw new RangeError(`DP-SGD needs clip norm > 0, noise multiplier >= 0 and sampling rate in (0, 1], got ${JSON.stringify(dp)}`);
  }
  const weights = tf.variable(tf.tensor1d(initial.subarray(0, p)));
  const optimizer = options.optimizer === 'adam' ? tf.train.adam(options.learningRate, 0.9, 0.999, 1e-8) : tf.train.sgd(options.learningRate);
  const expectedBatch = dp.samplingRate * records.count;
  let clippedBatches = 0;
  let lossSum = 0;
  let lossSteps = 0;
  try {
    for (let step = 0; step < steps; step++) {
      const batch = poissonSample(records.count, dp.samplingRate);
      const beta = weights.dataSync();
      const { gradient, clipped } = clippedBatchCoxGradient(records, batch, beta, dp.clipNorm / 2);
      const noise = gaussianNoise(p, dp.noiseMultiplier * dp.clipNorm);
      const noisy = Float32Array.from(gradient, (g, j) => (g + noise[j]!) / expectedBatch);
      tf.tidy(() => optimizer.applyGradients([{ name: weights.name, tensor: tf.tensor1d(noisy) }]));
      if (batch.length > 0) {
        if (clipped) clippedBatches++;
        lossSum += batchCoxLoss(records, batch, beta);
        lossSteps++;
      }
    }
    const parameters = Float32Array.from(initial);
    parameters.set(weights.dataSync(), 0);
    return { parameters, loss: lossSteps > 0 ? lossSum / lossSteps : 0, steps, clippedFraction: lossSteps > 0 ? clippedBatches / lossSteps : 0 };
  } finally {
    weights.dispose();
    optimizer.dispose();
  }
}

/** The batch's Cox loss per record (minus its Breslow log partial likelihood over its size), for local progress only. */
function batchCoxLoss(records: SurvivalRecords, rows: readonly number[], beta: ArrayLike<number>): number {
  return -coxStatistics(batchRecords(records, rows), beta, 'breslow').logLikelihood / rows.length;
}

function batchRecords(records: SurvivalRecords, rows: readonly number[]): SurvivalRecords {
  const p = records.covariates;
  const x = new Float64Array(rows.length * p);
  rows.forEach((row, i) => x.set(records.x.subarray(row * p, (row + 1) * p), i * p));
  return {
    x,
    time: Float64Array.from(rows, (row) => records.time[row]!),
    event: Uint8Array.from(rows, (row) => records.event[row]!),
    count: rows.length,
    covariates: p,
  };
}
