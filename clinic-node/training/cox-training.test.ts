import { beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { coxStatistics, type SurvivalRecords } from '../../survival/index.js';
import { DATA_DIR } from '../../test/support/data-dir.js';
import { loadTcgaBrcaSites } from '../data/fed-tcga-brca.js';
import { selectBackend } from './backend.js';
import { batchCoxLoss, coxRiskScores, evaluateCox, trainCox } from './cox-training.js';

// Distinct times, given in decreasing order as the batch loss expects.
const batch: SurvivalRecords = {
  x: Float64Array.from([0.5, -1, 1.2, 0.3, -0.4, 0.8, 0.1, 0.1, -1.5, 2]),
  time: Float64Array.from([9, 7, 4, 3, 1]),
  event: Uint8Array.from([1, 0, 1, 1, 1]),
  count: 5,
  covariates: 2,
};

beforeAll(async () => {
  await selectBackend();
});

describe('batchCoxLoss', () => {
  it('is minus the partial log likelihood over the batch size, and so is its gradient', () => {
    const beta = [0.3, -0.6];
    const stats = coxStatistics(batch, beta, 'breslow');
    const x = tf.tensor2d(Float32Array.from(batch.x), [5, 2]);
    const events = tf.tensor1d(Float32Array.from(batch.event));
    const w = tf.variable(tf.tensor2d(beta, [2, 1]));
    const { value, grads } = tf.variableGrads(() => batchCoxLoss(tf.matMul(x, w).reshape([-1]) as tf.Tensor1D, events), [w]);
    expect(value.dataSync()[0]).toBeCloseTo(-stats.logLikelihood / 5, 5);
    const gradient = grads[w.name]!.dataSync();
    expect(gradient[0]).toBeCloseTo(-stats.gradient[0]! / 5, 5);
    expect(gradient[1]).toBeCloseTo(-stats.gradient[1]! / 5, 5);
    tf.dispose([x, events, w, value, grads[w.name]!]);
  });

  it('does not change when every score moves by the same amount', () => {
    const events = tf.tensor1d([1, 0, 1]);
    const a = batchCoxLoss(tf.tensor1d([0.2, 1.5, -0.3]), events).dataSync()[0]!;
    const b = batchCoxLoss(tf.tensor1d([100.2, 101.5, 99.7]), events).dataSync()[0]!;
    expect(b).toBeCloseTo(a, 4);
  });
});

describe('trainCox', () => {
  it('raises the partial likelihood of the data it trains on', () => {
    const initial = new Float32Array(3);
    const before = coxStatistics(batch, [0, 0]).logLikelihood;
    const { parameters, steps } = trainCox(initial, batch, { optimizer: 'sgd', learningRate: 0.1, batchSize: 5, steps: 50, seed: 1 });
    expect(steps).toBe(50);
    expect(coxStatistics(batch, [parameters[0]!, parameters[1]!]).logLikelihood).toBeGreaterThan(before + 0.1);
    expect(initial).toEqual(new Float32Array(3)); // the caller's vector is not touched
  });

  it('is reproducible from its seed and refuses a vector of the wrong length', () => {
    const options = { optimizer: 'adam' as const, learningRate: 0.05, batchSize: 2, steps: 10, seed: 7 };
    expect(trainCox(new Float32Array(3), batch, options).parameters).toEqual(trainCox(new Float32Array(3), batch, options).parameters);
    expect(() => trainCox(new Float32Array(2), batch, options)).toThrow('a linear Cox model over 2 covariates has 3 parameters, got 2');
  });
});

describe('evaluateCox', () => {
  it('scores records by their linear predictor and counts concordant pairs', () => {
    expect([...coxRiskScores([1, 0, 99], batch)]).toEqual([0.5, 1.2, -0.4, 0.1, -1.5]);
    // Earlier events with higher risk are concordant: weights -1 on x0 orders them well here.
    const counts = evaluateCox([-1, 0, 0], batch);
    expect(counts.concordant + counts.discordant + counts.tiedRisk).toBe(9);
    expect(counts.concordant).toBeGreaterThan(counts.discordant);
  });
});

describe('Fed-TCGA-BRCA', () => {
  it("holds FLamby's six regions with their train and test sizes and events", async () => {
    const sites = await loadTcgaBrcaSites({ dataDir: DATA_DIR });
    expect(sites.map((s) => s.site)).toEqual(['northeast', 'south', 'west', 'midwest', 'europe', 'canada']);
    expect(sites.map((s) => [s.train.count, s.test.count])).toEqual([
      [248, 63],
      [156, 40],
      [164, 42],
      [129, 33],
      [129, 33],
      [40, 11],
    ]);
    const events = (r: SurvivalRecords) => r.event.reduce((a, b) => a + b, 0);
    expect(sites.map((s) => [events(s.train), events(s.test)])).toEqual([
      [45, 14],
      [35, 4],
      [14, 8],
      [16, 3],
      [7, 2],
      [2, 1],
    ]);
    expect(sites[0]!.train.covariates).toBe(39);
  });
});
