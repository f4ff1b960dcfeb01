import { describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { initialParameters, modelSpec } from '../../common/model-spec.js';
import type { Examples } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { evaluate, train } from './local-training.js';

/** Two Gaussian blobs, separable along the first feature. */
function blobs(count: number): Examples {
  const x = new Float32Array(count * 2);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    y[i] = i % 2;
    x[i * 2] = (y[i] ? 2 : -2) + Math.sin(i) * 0.5;
    x[i * 2 + 1] = Math.cos(i * 7);
  }
  return { x, y, count, features: 2 };
}

describe('local training', () => {
  it('learns a separable problem, logistic regression and MLP alike', async () => {
    expect(['wasm', 'tensorflow']).toContain(await selectBackend());
    const data = blobs(64);
    for (const spec of [modelSpec('logistic-regression', 2), modelSpec('mlp', 2, [8])]) {
      const initial = initialParameters(spec, 1);
      const before = evaluate(spec, initial, data);
      const result = train(spec, initial, data, { optimizer: 'adam', learningRate: 0.05, batchSize: 8, epochs: 20, seed: 1 });
      const after = evaluate(spec, result.parameters, data);
      expect(after.accuracy).toBe(1);
      expect(after.loss).toBeLessThan(before.loss);
      expect(result.steps).toBe(20 * 8);
    }
  });

  it('is reproducible from its seed, and the seed matters', () => {
    const spec = modelSpec('logistic-regression', 2);
    const initial = initialParameters(spec, 2);
    const options = { optimizer: 'sgd' as const, learningRate: 0.1, batchSize: 4, steps: 10 };
    const a = train(spec, initial, blobs(30), { ...options, seed: 5 });
    expect(train(spec, initial, blobs(30), { ...options, seed: 5 }).parameters).toEqual(a.parameters);
    expect(train(spec, initial, blobs(30), { ...options, seed: 6 }).parameters).not.toEqual(a.parameters);
  });

  it('leaves no tensor behind', () => {
    const spec = modelSpec('mlp', 2, [4]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { parameters } = train(spec, initialParameters(spec, i), blobs(20), { optimizer: 'adam', learningRate: 0.01, batchSize: 4, steps: 20, seed: i });
      evaluate(spec, parameters, blobs(20));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a parameter vector of the wrong length', () => {
    expect(() => evaluate(modelSpec('logistic-regression', 2), new Float32Array(5), blobs(4))).toThrow('the model has 3 parameters, got a vector of 5');
  });
});

describe("FedProx's proximal term", () => {
  const spec = modelSpec('logistic-regression', 2);
  const initial = initialParameters(spec, 3);
  const data = blobs(32);
  const plain = { optimizer: 'sgd' as const, learningRate: 0.1, batchSize: 4, seed: 9 };
  // Every record in every batch, no noise, no clipping: DP-SGD made deterministic to compare steps.
  const dp = { clipNorm: 1e6, noiseMultiplier: 0, samplingRate: 1 };

  it('with mu 0 or absent, trains exactly as without it', () => {
    const without = train(spec, initial, data, { ...plain, steps: 5 });
    expect(train(spec, initial, data, { ...plain, steps: 5, proximalMu: 0 }).parameters).toEqual(without.parameters);
    expect(train(spec, initial, data, { ...plain, steps: 5, proximalMu: undefined }).parameters).toEqual(without.parameters);
  });

  it.each([
    ['plain SGD', {}],
    ['DP-SGD', { dp }],
  ])('adds mu * (w - w_start) to the gradient in %s', (_path, extra) => {
    const mu = 0.5;
    const w1 = train(spec, initial, data, { ...plain, ...extra, steps: 1, proximalMu: mu }).parameters;
    // The first step starts at w_start: no pull yet.
    expect(w1).toEqual(train(spec, initial, data, { ...plain, ...extra, steps: 1 }).parameters);
    const w2 = train(spec, initial, data, { ...plain, ...extra, steps: 2 });
    const w2prox = train(spec, initial, data, { ...plain, ...extra, steps: 2, proximalMu: mu });
    // w2prox = w2 - lr * mu * (w1 - w_start); the reported loss is the data loss alone.
    for (let i = 0; i < initial.length; i++) expect(w2prox.parameters[i]).toBeCloseTo(w2.parameters[i]! - 0.1 * mu * (w1[i]! - initial[i]!), 6);
    expect(w2prox.parameters).not.toEqual(w2.parameters);
    expect(w2prox.loss).toBeCloseTo(w2.loss, 6);
  });

  it('keeps the local model nearer the one it started from, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const distance = (w: Float32Array) => Math.hypot(...w.map((x, i) => x - initial[i]!));
    const free = train(spec, initial, data, { ...plain, steps: 40 });
    const held = train(spec, initial, data, { ...plain, steps: 40, proximalMu: 1 });
    expect(distance(held.parameters)).toBeLessThan(distance(free.parameters));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a negative or non-finite mu', () => {
    expect(() => train(spec, initial, data, { ...plain, steps: 1, proximalMu: -1 })).toThrow('the proximal term needs mu >= 0, got -1');
    expect(() => train(spec, initial, data, { ...plain, steps: 1, proximalMu: NaN })).toThrow('the proximal term needs mu >= 0, got NaN');
  });
});
