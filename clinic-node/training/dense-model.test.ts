import { describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { initialParameters, modelSpec } from '../../common/model-spec.js';
import type { Examples } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { DenseModel } from './dense-model.js';
import { evaluate, train } from './local-training.js';

/** Three classes, each around its own corner of the plane, labels 0, 1, 2. */
function threeClusters(count: number): Examples {
  const centres = [
    [2, 0],
    [-1, 2],
    [-1, -2],
  ];
  const x = new Float32Array(count * 2);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 3;
    x[2 * i] = centres[c]![0]! + 0.6 * Math.sin(i * 1.3);
    x[2 * i + 1] = centres[c]![1]! + 0.6 * Math.cos(i * 2.9);
    y[i] = c;
  }
  return { x, y, count, features: 2 };
}

describe('a softmax model over K classes', () => {
  it('has the softmax cross-entropy of the true class as its loss and the most probable class as its prediction', async () => {
    await selectBackend();
    // Logistic regression 2 -> 3 with identity-like weights: logits = x W + b.
    const spec = modelSpec('logistic-regression', 2, [], 3);
    const kernel = [1, 0, -1, 0, 1, -1];
    const bias = [0, 0, 0.5];
    const model = new DenseModel(spec, Float32Array.from([...kernel, ...bias]));
    try {
      const data: Examples = { x: Float32Array.from([2, 0, 0, 3, -1, -1]), y: Float32Array.from([0, 1, 1]), count: 3, features: 2 };
      // Logits per row: [2, 0, -1.5], [0, 3, -2.5], [-1, -1, 2.5]; the third row is predicted class 2, observed 1.
      const logits = [
        [2, 0, -1.5],
        [0, 3, -2.5],
        [-1, -1, 2.5],
      ];
      const crossEntropy = (row: number[], k: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[k]!;
      const expectedLoss = (crossEntropy(logits[0]!, 0) + crossEntropy(logits[1]!, 1) + crossEntropy(logits[2]!, 1)) / 3;
      const report = model.evaluate(data);
      expect(report.correct).toBe(2);
      expect(report.accuracy).toBeCloseTo(2 / 3, 6);
      expect(report.loss).toBeCloseTo(expectedLoss, 5);
      // Calibration sums are a binary model's.
      expect(report.predictedPositive).toBe(0);
      expect(report.observedPositive).toBe(0);
      const trainingLoss = tf.tidy(() => model.loss(tf.tensor2d(data.x, [3, 2]), tf.tensor2d(data.y, [3, 1])).dataSync()[0]!);
      expect(trainingLoss).toBeCloseTo(expectedLoss, 5);
    } finally {
      model.dispose();
    }
  });

  it.each([
    ['logistic-regression', []],
    ['mlp', [8]],
  ] as const)('%s learns three separable classes, with and without DP-SGD', async (architecture, hidden) => {
    await selectBackend();
    const spec = modelSpec(architecture, 2, [...hidden], 3);
    const data = threeClusters(90);
    const before = evaluate(spec, initialParameters(spec, 1), data);
    const plain = train(spec, initialParameters(spec, 1), data, { optimizer: 'adam', learningRate: 0.05, batchSize: 16, steps: 150, seed: 2 });
    const after = evaluate(spec, plain.parameters, data);
    expect(after.accuracy).toBeGreaterThan(0.95);
    expect(after.loss).toBeLessThan(before.loss);
    const dp = { clipNorm: 1, noiseMultiplier: 0.5, samplingRate: 0.2 };
    const privately = train(spec, initialParameters(spec, 1), data, { optimizer: 'adam', learningRate: 0.05, batchSize: 16, steps: 150, seed: 2, dp });
    expect(evaluate(spec, privately.parameters, data).accuracy).toBeGreaterThan(0.85);
  });
});

describe('a linear regression', () => {
  it('has the mean squared error as its loss, classifies nothing, and learns a linear target with and without DP-SGD', async () => {
    await selectBackend();
    const spec = modelSpec('linear-regression', 2);
    // y = 3 x0 - 2 x1 + 1 on a grid.
    const count = 60;
    const x = Float32Array.from({ length: 2 * count }, (_, i) => Math.sin(i * 0.7) * 2);
    const y = Float32Array.from({ length: count }, (_, i) => 3 * x[2 * i]! - 2 * x[2 * i + 1]! + 1);
    const data: Examples = { x, y, count, features: 2 };
    const zero = new DenseModel(spec, new Float32Array(3));
    try {
      const report = zero.evaluate(data);
      expect(report.loss).toBeCloseTo(y.reduce((s, v) => s + v * v, 0) / count, 3);
      expect([report.correct, report.accuracy, report.predictedPositive, report.observedPositive]).toEqual([0, 0, 0, 0]);
    } finally {
      zero.dispose();
    }
    const fitted = train(spec, initialParameters(spec, 1), data, { optimizer: 'adam', learningRate: 0.1, batchSize: 16, steps: 400, seed: 2 });
    expect(evaluate(spec, fitted.parameters, data).loss).toBeLessThan(1e-3);
    Array.from(fitted.parameters).forEach((v, i) => expect(v).toBeCloseTo([3, -2, 1][i]!, 1));
    const dp = { clipNorm: 5, noiseMultiplier: 0.3, samplingRate: 0.3 };
    const privately = train(spec, initialParameters(spec, 1), data, { optimizer: 'adam', learningRate: 0.1, batchSize: 16, steps: 400, seed: 2, dp });
    expect(evaluate(spec, privately.parameters, data).loss).toBeLessThan(0.1 * evaluate(spec, initialParameters(spec, 1), data).loss);
  });
});
