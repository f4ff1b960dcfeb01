import { describe, expect, it } from '@jest/globals';
import { gaussianNoise } from './gaussian-noise.js';

// Each sample must come from its own fresh bytes: noise that repeats or shares a radius between
// samples looks right in mean and standard deviation yet hides far less than it claims.

/** Pearson correlation of two equally long series. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('gaussianNoise', () => {
  it('never repeats a value within a draw: every pair of samples reads its own bytes', () => {
    const noise = gaussianNoise(4096);
    expect(new Set(noise).size).toBe(4096);
    expect(noise.every(Number.isFinite)).toBe(true);
  });

  it('neighbouring pairs do not share a radius: squared radii of consecutive pairs are uncorrelated', () => {
    const pairs = 100_000;
    const noise = gaussianNoise(2 * pairs);
    const radii = Float64Array.from({ length: pairs }, (_, p) => noise[2 * p]! ** 2 + noise[2 * p + 1]! ** 2);
    // Squared radii are exponential (mean 2); the correlation of independent ones has standard error 1/√n.
    expect(Math.abs(radii.reduce((s, r) => s + r, 0) / pairs - 2)).toBeLessThan(5 * (2 / Math.sqrt(pairs)));
    expect(Math.abs(correlation(radii.subarray(0, pairs - 1), radii.subarray(1)))).toBeLessThan(5 / Math.sqrt(pairs));
    expect(Math.abs(correlation(radii.subarray(0, pairs - 16), radii.subarray(16)))).toBeLessThan(5 / Math.sqrt(pairs));
  });

  it('the two samples of a pair (cosine and sine) are uncorrelated, and so are neighbouring samples', () => {
    const pairs = 100_000;
    const noise = gaussianNoise(2 * pairs);
    const even = Float64Array.from({ length: pairs }, (_, p) => noise[2 * p]!);
    const odd = Float64Array.from({ length: pairs }, (_, p) => noise[2 * p + 1]!);
    expect(Math.abs(correlation(even, odd))).toBeLessThan(5 / Math.sqrt(pairs));
    expect(Math.abs(correlation(noise.subarray(0, 2 * pairs - 2), noise.subarray(2)))).toBeLessThan(5 / Math.sqrt(2 * pairs));
    // Each half alone is standard normal: the sine half is not a copy of the cosine half's law shifted.
    for (const half of [even, odd]) {
      const mean = half.reduce((s, x) => s + x, 0) / pairs;
      const variance = half.reduce((s, x) => s + (x - mean) ** 2, 0) / pairs;
      expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(pairs));
      expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / pairs));
    }
  });

  it('fills an odd count to the last sample', () => {
    for (const count of [1, 3, 7]) {
      const noise = gaussianNoise(count, 3);
      expect(noise).toHaveLength(count);
      expect(noise.every((x) => x !== 0 && Number.isFinite(x))).toBe(true);
    }
    expect(gaussianNoise(0)).toEqual(new Float64Array(0));
  });

  it('a standard deviation of 0 gives zeros; the default is 1', () => {
    const silent = gaussianNoise(5, 0);
    expect(silent).toHaveLength(5);
    expect(silent.every((x) => x === 0)).toBe(true);
    const noise = gaussianNoise(100_000);
    const variance = noise.reduce((s, x) => s + x * x, 0) / noise.length;
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / noise.length));
  });

  it('refuses a count or standard deviation it cannot honour, naming the value', () => {
    for (const count of [-1, 2.5, NaN]) expect(() => gaussianNoise(count)).toThrow(new RangeError(`count must be a whole number >= 0, got ${count}`));
    for (const sd of [-0.1, NaN]) expect(() => gaussianNoise(2, sd)).toThrow(new RangeError(`standard deviation must be >= 0, got ${sd}`));
  });
});
