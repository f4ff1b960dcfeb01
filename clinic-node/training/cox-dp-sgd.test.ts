import { beforeAll, describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../common/random.js';
import { coxStatistics, type SurvivalRecords } from '../../survival/index.js';
import { selectBackend } from './backend.js';
import { batchCoxGradient, clippedBatchCoxGradient, trainCoxPrivately } from './cox-dp-sgd.js';
import { CoxLearner } from './cox-learner.js';
import { newtonVectorLength } from '../../survival/index.js';

beforeAll(async () => {
  await selectBackend();
});

const C = 1;

/** Random records with heavy ties (times from a few values), mixed covariate scales and some large risk scores. */
function randomRecords(random: () => number, count: number, p: number): SurvivalRecords {
  const x = new Float64Array(count * p);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < p; j++) x[i * p + j] = j === 0 ? 20 + 70 * random() : random() < 0.5 ? 0 : random() * 3 - 1; // an "age" and mostly binary ones
  }
  return {
    x,
    time: Float64Array.from({ length: count }, () => 1 + Math.floor(random() * 4)),
    event: Uint8Array.from({ length: count }, () => (random() < 0.6 ? 1 : 0)),
    count,
    covariates: p,
  };
}

const norm = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));
const distance = (a: ArrayLike<number>, b: ArrayLike<number>) => norm(Array.from(a, (v, i) => v - b[i]!));
const without = (rows: number[], k: number) => rows.filter((_, i) => i !== k);

/** Every (batch, record) pair of many random batches, with the record's removal. */
function* removals(seed: number) {
  const random = seededRandom(seed).next;
  for (let trial = 0; trial < 400; trial++) {
    const p = 1 + Math.floor(random() * 4);
    const records = randomRecords(random, 2 + Math.floor(random() * 20), p);
    const beta = Array.from({ length: p }, (_, j) => (random() * 2 - 1) * (j === 0 ? 0.1 : 3));
    const rows = Array.from({ length: records.count }, (_, i) => i);
    for (let k = 0; k < rows.length; k++) yield { records, beta, rows, smaller: without(rows, k), removed: k };
  }
}

describe('the batch Cox gradient', () => {
  it('is the derivative of minus the Breslow log partial likelihood of the batch, ties included', () => {
    const random = seededRandom(7).next;
    const records = randomRecords(random, 12, 3);
    const rows = [0, 2, 3, 5, 6, 7, 9, 11];
    const beta = [0.01, -0.4, 0.7];
    const loss = (b: number[]) => -coxStatistics(subset(records, rows), b, 'breslow').logLikelihood;
    const gradient = batchCoxGradient(records, rows, beta);
    for (let j = 0; j < 3; j++) {
      const h = 1e-6;
      const up = [...beta];
      const down = [...beta];
      up[j] += h;
      down[j] -= h;
      expect(gradient[j]).toBeCloseTo((loss(up) - loss(down)) / (2 * h), 4);
    }
    expect(Array.from(batchCoxGradient(records, [], beta))).toEqual([0, 0, 0]);
  });
});

describe('the sensitivity of one DP-SGD step on the Cox loss', () => {
  it('removing any one record moves the clipped batch gradient by at most C, over many random batches with ties', () => {
    let largest = 0;
    let riskSetEffects = 0;
    for (const { records, beta, rows, smaller, removed } of removals(11)) {
      const full = clippedBatchCoxGradient(records, rows, beta, C / 2).gradient;
      const less = clippedBatchCoxGradient(records, smaller, beta, C / 2).gradient;
      largest = Math.max(largest, distance(full, less) / C);
      // A censored record has no term of its own: any change comes from the risk sets it was in.
      if (records.event[removed] === 0 && distance(batchCoxGradient(records, rows, beta), batchCoxGradient(records, smaller, beta)) > 1e-6) riskSetEffects++;
    }
    expect(largest).toBeLessThanOrEqual(1 + 1e-12);
    expect(largest).toBeGreaterThan(0.9); // the bound is nearly reached: the batches do test it
    expect(riskSetEffects).toBeGreaterThan(100);
  });

  it('would not hold for per-record clipping, nor for the batch clipped to C: the test above can fail', () => {
    let perRecord = 0;
    let batchAtC = 0;
    for (const { records, beta, rows, smaller } of removals(12)) {
      perRecord = Math.max(perRecord, distance(perRecordClipped(records, rows, beta), perRecordClipped(records, smaller, beta)) / C);
      batchAtC = Math.max(
        batchAtC,
        distance(clippedBatchCoxGradient(records, rows, beta, C).gradient, clippedBatchCoxGradient(records, smaller, beta, C).gradient) / C,
      );
    }
    expect(perRecord).toBeGreaterThan(1.5);
    expect(batchAtC).toBeGreaterThan(1.5);
  });
});

describe('trainCoxPrivately', () => {
  const records = randomRecords(seededRandom(3).next, 30, 4);
  const initial = Float32Array.from([0.01, -0.2, 0.3, 0.1, 0.7]);

  it('without noise and with every record in the batch, steps by the batch gradient clipped to C/2 over the expected batch size', () => {
    const result = trainCoxPrivately(initial, records, {
      optimizer: 'sgd',
      learningRate: 0.5,
      steps: 1,
      dp: { clipNorm: C, noiseMultiplier: 0, samplingRate: 1 },
    });
    const rows = Array.from({ length: 30 }, (_, i) => i);
    const { gradient, clipped } = clippedBatchCoxGradient(records, rows, initial.subarray(0, 4), C / 2);
    expect(clipped).toBe(true);
    for (let j = 0; j < 4; j++) expect(result.parameters[j]).toBeCloseTo(initial[j]! - (0.5 * gradient[j]!) / 30, 6);
    expect(result.parameters[4]).toBe(initial[4]); // the bias: no gradient, no noise
    expect(result.clippedFraction).toBe(1);
  });

  it('adds noise of standard deviation zC to the clipped sum, per coefficient', () => {
    const rows = Array.from({ length: 30 }, (_, i) => i);
    const signal = clippedBatchCoxGradient(records, rows, initial.subarray(0, 4), C / 2).gradient;
    const z = 2;
    const draws: number[] = [];
    for (let run = 0; run < 150; run++) {
      const { parameters } = trainCoxPrivately(initial, records, {
        optimizer: 'sgd',
        learningRate: 1,
        steps: 1,
        dp: { clipNorm: C, noiseMultiplier: z, samplingRate: 1 },
      });
      for (let j = 0; j < 4; j++) draws.push((initial[j]! - parameters[j]!) * 30 - signal[j]!);
    }
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((s, v) => s + (v - mean) ** 2, 0) / (draws.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.3); // 600 draws: the mean's own sd is 2/sqrt(600) = 0.08
    expect(sd).toBeGreaterThan(z * C * 0.9);
    expect(sd).toBeLessThan(z * C * 1.1);
  });

  it('refuses settings the accountant cannot describe', () => {
    expect(() =>
      trainCoxPrivately(initial, records, { optimizer: 'sgd', learningRate: 1, steps: 1, dp: { clipNorm: 0, noiseMultiplier: 1, samplingRate: 0.1 } }),
    ).toThrow('DP-SGD needs clip norm > 0');
  });
});

describe('a clinic training a survival model under DP', () => {
  const records = randomRecords(seededRandom(5).next, 40, 3);
  const learner = new CoxLearner({ dataset: 'test', site: 'a', task: 'survival', train: records, test: records });
  const dp = { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.2 };
  const options = { optimizer: 'sgd' as const, learningRate: 0.1, batchSize: 8, steps: 5, seed: 1, dp };

  it('trains a cox-linear model by DP-SGD on Poisson batches, reporting the share of batches clipped', () => {
    const spec = { architecture: 'cox-linear' as const, inputDim: 3, hiddenUnits: [], outputDim: 1 };
    const result = learner.train(spec, new Float32Array(4), options);
    expect(result.steps).toBe(5);
    expect(result.clippedFraction).toBeGreaterThanOrEqual(0);
    expect(result.parameters.subarray(0, 3).some((v) => v !== 0)).toBe(true);
  });

  it('refuses to answer a Newton-Raphson round under DP', () => {
    const spec = { architecture: 'cox-newton' as const, inputDim: 3, hiddenUnits: [], outputDim: 1 };
    expect(() => learner.train(spec, new Float32Array(newtonVectorLength(3)), options)).toThrow(
      'a cox-newton model is fitted from exact sums: differential privacy is not available for it',
    );
  });
});

function subset(records: SurvivalRecords, rows: number[]): SurvivalRecords {
  const p = records.covariates;
  return {
    x: Float64Array.from(rows.flatMap((r) => Array.from(records.x.subarray(r * p, (r + 1) * p)))),
    time: Float64Array.from(rows, (r) => records.time[r]!),
    event: Uint8Array.from(rows, (r) => records.event[r]!),
    count: rows.length,
    covariates: p,
  };
}

/** The tempting construction: each event's own term x̄_risk − x_i clipped to C, then summed. One record reaches the others' terms. */
function perRecordClipped(records: SurvivalRecords, rows: number[], beta: number[]): Float64Array {
  const p = records.covariates;
  const sum = new Float64Array(p);
  for (const i of rows) {
    if (!records.event[i]) continue;
    const risk = rows.filter((j) => records.time[j]! >= records.time[i]!);
    const weights = risk.map((j) => Math.exp(beta.reduce((s, b, c) => s + b * records.x[j * p + c]!, 0)));
    const total = weights.reduce((s, w) => s + w, 0);
    const term = Array.from({ length: p }, (_, c) => risk.reduce((s, j, r) => s + (weights[r]! * records.x[j * p + c]!) / total, 0) - records.x[i * p + c]!);
    const factor = Math.min(1, C / norm(term));
    term.forEach((v, c) => (sum[c] += v * factor));
  }
  return sum;
}
