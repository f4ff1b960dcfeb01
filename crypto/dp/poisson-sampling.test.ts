import { describe, expect, it } from '@jest/globals';
import { poissonSample } from './poisson-sampling.js';

// The sampled Gaussian mechanism's RDP bound assumes each record is in a batch independently with
// probability exactly `rate`: a sampler that over-includes, skips records or repeats them breaks it.

describe('poissonSample', () => {
  it('takes no record at rate 0 and every record, in order, at rate 1', () => {
    expect(poissonSample(1000, 0)).toEqual([]);
    expect(poissonSample(1000, 1)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(poissonSample(0, 0.5)).toEqual([]);
  });

  it('returns distinct indices in increasing order, each a record', () => {
    const batch = poissonSample(10_000, 0.5);
    expect(batch.every((i, k) => Number.isInteger(i) && i >= 0 && i < 10_000 && (k === 0 || i > batch[k - 1]!))).toBe(true);
  });

  it.each([0.001, 0.02, 0.3, 0.9])('includes each record with probability %p', (rate) => {
    const count = 200_000;
    const size = poissonSample(count, rate).length;
    // Binomial(count, rate): within 5 standard deviations.
    expect(Math.abs(size - count * rate)).toBeLessThan(5 * Math.sqrt(count * rate * (1 - rate)));
  });

  it('decides each record on its own: as many records follow a chosen one as the rate says, and both halves are sampled alike', () => {
    const count = 200_000;
    const rate = 0.25;
    const chosen = new Set(poissonSample(count, rate));
    let both = 0;
    for (const i of chosen) if (chosen.has(i + 1)) both++;
    // P(i and i + 1 chosen) = rate²; there are count - 1 neighbouring pairs.
    const expected = (count - 1) * rate * rate;
    expect(Math.abs(both - expected)).toBeLessThan(5 * Math.sqrt(expected));
    const firstHalf = [...chosen].filter((i) => i < count / 2).length;
    expect(Math.abs(firstHalf - chosen.size / 2)).toBeLessThan(5 * Math.sqrt(chosen.size / 4));
  });

  it('draws a fresh batch each call', () => {
    expect(poissonSample(1000, 0.5)).not.toEqual(poissonSample(1000, 0.5));
  });

  it('refuses a count or rate it cannot honour, naming the value', () => {
    for (const count of [-1, 2.5, NaN]) expect(() => poissonSample(count, 0.5)).toThrow(new RangeError(`count must be a whole number >= 0, got ${count}`));
    for (const rate of [-0.01, 1.01, NaN]) expect(() => poissonSample(10, rate)).toThrow(new RangeError(`sampling rate must be in [0, 1], got ${rate}`));
  });
});
