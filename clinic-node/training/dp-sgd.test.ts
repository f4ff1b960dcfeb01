import { describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { initialParameters, modelSpec, type ModelSpec } from '../../common/model-spec.js';
import { poissonSample } from '../../crypto/index.js';
import type { Examples } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { DenseModel } from './dense-model.js';
import { clippedGradientSums, noisyMeanGradients } from './dp-sgd.js';
import { evaluate, train } from './local-training.js';

function examples(count: number, features: number, classes = 2): Examples {
  const x = new Float32Array(count * features).map((_, i) => Math.sin(i * 1.7) * 2);
  const y = new Float32Array(count).map((_, i) => (classes === 2 ? (Math.cos(i * 3.1) > 0 ? 1 : 0) : i % classes));
  return { x, y, count, features };
}

/** Reference: one backward pass per example with TensorFlow.js autograd, each gradient clipped, then summed. */
function loopedClippedSums(model: DenseModel, data: Examples, clipNorm: number): Float32Array[] {
  const sums = model.variables.map((v) => new Float32Array(v.size));
  for (let i = 0; i < data.count; i++) {
    const grads = tf.tidy(() => {
      const xi = tf.tensor2d(data.x.subarray(i * data.features, (i + 1) * data.features), [1, data.features]);
      const yi = tf.tensor2d([data.y[i]!], [1, 1]);
      const { grads } = tf.variableGrads(() => model.loss(xi, yi), model.variables);
      return model.variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
    });
    const norm = Math.sqrt(grads.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0));
    const factor = Math.min(1, clipNorm / (norm + 1e-6));
    grads.forEach((g, k) => g.forEach((v, j) => (sums[k]![j]! += v * factor)));
  }
  return sums;
}

const specs: ModelSpec[] = [modelSpec('logistic-regression', 5), modelSpec('mlp', 5, [7, 3])];
// Softmax over three classes: the output error is softmax - one-hot.
const multiclassSpecs: ModelSpec[] = [modelSpec('logistic-regression', 5, [], 3), modelSpec('mlp', 5, [7, 3], 3)];

describe('DP-SGD', () => {
  it.each([
    ['binary', specs, 2],
    ['multiclass', multiclassSpecs, 3],
    ['regression', [modelSpec('linear-regression', 5)], 2],
  ] as const)('clips %s per-example gradients in one batched pass exactly as a per-example loop does', async (_task, specs, classes) => {
    await selectBackend();
    const data = examples(12, 5, classes);
    for (const spec of specs) {
      const model = new DenseModel(spec, initialParameters(spec, 3));
      try {
        for (const clipNorm of [0.05, 0.3, 1e6]) {
          const expected = loopedClippedSums(model, data, clipNorm);
          const { actual, clipped } = tf.tidy(() => {
            const x = tf.tensor2d(data.x, [data.count, data.features]);
            const y = tf.tensor2d(data.y, [data.count, 1]);
            const result = clippedGradientSums(model, x, y, clipNorm);
            return { actual: result.sums.map((t) => t.dataSync() as Float32Array), clipped: result.clipped.dataSync()[0]! };
          });
          actual.forEach((sum, k) => sum.forEach((v, j) => expect(v).toBeCloseTo(expected[k]![j]!, 5)));
          if (clipNorm === 1e6) expect(clipped).toBe(0);
          if (clipNorm === 0.05) expect(clipped).toBe(data.count);
        }
      } finally {
        model.dispose();
      }
    }
  });

  it('adds noise of standard deviation zC to the sum and divides by the expected batch size', () => {
    const settings = { clipNorm: 2, noiseMultiplier: 1.5, samplingRate: 0.25 };
    const sums = [tf.zeros([100, 100]), tf.ones([1])];
    const [kernel, bias] = tf.tidy(() => noisyMeanGradients(sums, settings, 40).map((t) => t.dataSync() as Float32Array));
    // Mean gradient = (sum + N(0, (1.5 * 2)^2)) / (0.25 * 40): standard deviation 0.3.
    const mean = kernel!.reduce((s, v) => s + v, 0) / kernel!.length;
    const sd = Math.sqrt(kernel!.reduce((s, v) => s + (v - mean) ** 2, 0) / kernel!.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeGreaterThan(0.29);
    expect(sd).toBeLessThan(0.31);
    expect(bias!.length).toBe(1);
    const exact = tf.tidy(() => noisyMeanGradients([tf.ones([3])], { ...settings, noiseMultiplier: 0 }, 40)[0]!.dataSync());
    expect([...exact]).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    sums.forEach((t) => t.dispose());
  });

  it('without noise, clipping or subsampling is full-batch gradient descent', async () => {
    await selectBackend();
    const data = examples(16, 5);
    for (const spec of specs) {
      const initial = initialParameters(spec, 4);
      const options = { optimizer: 'sgd', learningRate: 0.1, batchSize: data.count, steps: 20, seed: 1 } as const;
      const plain = train(spec, initial, data, options);
      const dp = train(spec, initial, data, { ...options, dp: { clipNorm: 1e9, noiseMultiplier: 0, samplingRate: 1 } });
      expect(dp.clippedFraction).toBe(0);
      dp.parameters.forEach((v, i) => expect(v).toBeCloseTo(plain.parameters[i]!, 5));
    }
  });

  it('learns a separable problem under noise, and refuses settings it cannot account', async () => {
    await selectBackend();
    const count = 200;
    // Label i % 2, separable along the first feature.
    const x = new Float32Array(count * 2).map((_, k) => (k % 2 === 0 ? ((k / 2) % 2 ? 2 : -2) + Math.sin(k) * 0.5 : Math.cos(k * 7)));
    const y = new Float32Array(count).map((_, i) => i % 2);
    const data = { x, y, count, features: 2 };
    const spec = modelSpec('logistic-regression', 2);
    const result = train(spec, initialParameters(spec, 1), data, {
      optimizer: 'sgd',
      learningRate: 0.5,
      batchSize: 0,
      steps: 100,
      seed: 0,
      dp: { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.1 },
    });
    expect(evaluate(spec, result.parameters, data).accuracy).toBeGreaterThan(0.95);
    expect(() =>
      train(spec, result.parameters, data, {
        optimizer: 'sgd',
        learningRate: 0.1,
        batchSize: 4,
        epochs: 1,
        seed: 0,
        dp: { clipNorm: 1, noiseMultiplier: 1, samplingRate: 0.1 },
      }),
    ).toThrow(/fixed number of steps/);
    expect(() =>
      train(spec, result.parameters, data, {
        optimizer: 'sgd',
        learningRate: 0.1,
        batchSize: 4,
        steps: 1,
        seed: 0,
        dp: { clipNorm: 0, noiseMultiplier: 1, samplingRate: 0.1 },
      }),
    ).toThrow(/clip norm > 0/);
  });

  it('samples each record independently at the given rate, from the CSPRNG', () => {
    expect(poissonSample(50, 0)).toEqual([]);
    expect(poissonSample(50, 1)).toHaveLength(50);
    const sizes = Array.from({ length: 200 }, () => poissonSample(1000, 0.1).length);
    const mean = sizes.reduce((s, n) => s + n, 0) / sizes.length;
    expect(mean).toBeGreaterThan(95);
    expect(mean).toBeLessThan(105);
    expect(new Set(sizes).size).toBeGreaterThan(10);
    expect(() => poissonSample(10, 1.5)).toThrow(/sampling rate must be in \[0, 1\]/);
  });
});
