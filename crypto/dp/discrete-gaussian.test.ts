import { describe, expect, it } from '@jest/globals';
import { discreteGaussianNoise } from './discrete-gaussian.js';

const { ceil, exp, sqrt } = Math;

/** Every bound below is 5 standard errors: a correct sampler fails one about once in 1.7 million runs. */
const BOUND = 5;

/** Sample mean and variance, and the variance's standard error (from the sample's fourth central moment). */
function moments(x: Float64Array): { mean: number; variance: number; varianceError: number } {
  const n = x.length;
  let sum = 0;
  for (const v of x) sum += v;
  const mean = sum / n;
  let m2 = 0;
  let m4 = 0;
  for (const v of x) {
    const d2 = (v - mean) ** 2;
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= n;
  m4 /= n;
  return { mean, variance: m2, varianceError: sqrt((m4 - m2 * m2) / n) };
}

/** P(k) of N_Z(0, sigma²) for k = -K..K (index k + K), by direct summation. */
function probabilities(sigma: number): { K: number; p: number[] } {
  const K = ceil(40 * sigma) + 2;
  const weights = Array.from({ length: 2 * K + 1 }, (_, i) => exp(-((i - K) ** 2) / (2 * sigma * sigma)));
  const total = weights.reduce((a, b) => a + b, 0);
  return { K, p: weights.map((w) => w / total) };
}

/** The exact variance: summed below sigma 10; above, it is sigma² to double precision (the deficit is ~e^(-2π²σ²)). */
function exactVariance(sigma: number): number {
  if (sigma >= 10) return sigma * sigma;
  const { K, p } = probabilities(sigma);
  return p.reduce((sum, pk, i) => sum + pk * (i - K) ** 2, 0);
}

function expectMoments(samples: Float64Array, variance: number): void {
  const n = samples.length;
  const m = moments(samples);
  expect(Math.abs(m.mean)).toBeLessThan(BOUND * sqrt(variance / n));
  expect(Math.abs(m.variance - variance)).toBeLessThan(BOUND * m.varianceError);
}

describe('discreteGaussianNoise', () => {
  it.each([0.5, 3, 1000, 1e5])('draws integers with mean 0 and the discrete Gaussian variance at sigma %p', (sigma) => {
    const samples = discreteGaussianNoise(sigma, 200_000);
    expect(samples).toHaveLength(200_000);
    expect(samples.every(Number.isInteger)).toBe(true);
    expectMoments(samples, exactVariance(sigma));
  });

  it('below sigma 1.5 the variance is under sigma², and the sampler follows it, not a rounded continuous Gaussian', () => {
    expect(exactVariance(0.5)).toBeCloseTo(0.21501267508813854, 14);
    expect(exactVariance(3)).toBeCloseTo(9, 12);
    // A rounded N(0, 0.25) keeps 68% of its mass at 0; N_Z(0, 0.25) keeps 79%.
    const zeros = discreteGaussianNoise(0.5, 100_000).filter((x) => x === 0).length / 100_000;
    expect(zeros).toBeGreaterThan(0.78);
  });

  it.each([0.5, 1.5, 3])('puts the discrete Gaussian probability on each integer at sigma %p', (sigma) => {
    const n = 300_000;
    const samples = discreteGaussianNoise(sigma, n);
    const { K, p } = probabilities(sigma);
    const counts = new Map<number, number>();
    for (const x of samples) counts.set(x, (counts.get(x) ?? 0) + 1);
    for (let k = -K; k <= K; k++) {
      const pk = p[k + K]!;
      const observed = (counts.get(k) ?? 0) / n;
      expect(Math.abs(observed - pk)).toBeLessThanOrEqual(BOUND * sqrt((pk * (1 - pk)) / n) + 1 / n);
    }
    expect([...counts.keys()].every((k) => Math.abs(k) <= K)).toBe(true);
  });

  it.each([0.5, 1e5])('is symmetric at sigma %p: as many negative samples as positive', (sigma) => {
    const samples = discreteGaussianNoise(sigma, 200_000);
    const positive = samples.filter((x) => x > 0).length;
    const negative = samples.filter((x) => x < 0).length;
    expect(Math.abs(positive - negative)).toBeLessThan(BOUND * sqrt(positive + negative));
  });

  it('sums: n clinics each adding N_Z(0, sigma²) give noise of variance n sigma²', () => {
    const clinics = 8;
    const sigma = 2.5;
    const sum = new Float64Array(100_000);
    for (let c = 0; c < clinics; c++) discreteGaussianNoise(sigma, sum.length).forEach((x, i) => (sum[i]! += x));
    expect(sum.every(Number.isInteger)).toBe(true);
    expectMoments(sum, clinics * sigma * sigma);
  });

  it('draws large vectors (200k at sigma 1e4), fresh every call', () => {
    const samples = discreteGaussianNoise(1e4, 200_000);
    expect(samples.every(Number.isInteger)).toBe(true);
    expectMoments(samples, 1e8);
    const again = discreteGaussianNoise(1e4, 200_000);
    expect(again.filter((x, i) => x === samples[i]).length).toBeLessThan(200);
  });

  it('gives zeros at sigma 0 and nothing for count 0', () => {
    expect(discreteGaussianNoise(0, 5)).toEqual(new Float64Array(5));
    expect(discreteGaussianNoise(3, 0)).toEqual(new Float64Array(0));
  });

  it('takes sigma 2^40 itself, the largest it allows, and gives whole numbers there', () => {
    const samples = discreteGaussianNoise(2 ** 40, 64);
    expect(samples).toHaveLength(64);
    expect(samples.every((x) => Number.isSafeInteger(x))).toBe(true);
    // Each draw lands within 2^30 of 0 with probability under 1e-3: all 64 of them, under 1e-190.
    expect(samples.some((x) => Math.abs(x) > 2 ** 30)).toBe(true);
  });

  it('refuses a sigma or a count it cannot honour, naming the value', () => {
    for (const sigma of [-1, NaN, Infinity, 2 ** 40 * (1 + 2 ** -52), 2 ** 41]) {
      expect(() => discreteGaussianNoise(sigma, 3)).toThrow(new RangeError(`sigma must be a finite number in [0, 2^40], got ${sigma}`));
    }
    for (const count of [-1, 1.5, NaN]) {
      expect(() => discreteGaussianNoise(1, count)).toThrow(new RangeError(`count must be a whole number >= 0, got ${count}`));
    }
  });
});
