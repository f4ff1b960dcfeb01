import { describe, expect, it } from '@jest/globals';
import { clipToNorm, l2Norm, NORM_BOUNDED, NormBounded } from './norm-bounded.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });

describe('norm-bounded mean', () => {
  it('clips a vector longer than the bound to it and leaves a shorter one as is', () => {
    expect(l2Norm(new Float32Array([3, 4]))).toBe(5);
    expect(Array.from(clipToNorm(new Float32Array([3, 4]), 2.5))).toEqual([1.5, 2]);
    const short = new Float32Array([3, 4]);
    expect(clipToNorm(short, 5)).toBe(short);
    expect(Array.from(clipToNorm(short, 0))).toEqual([0, 0]);
  });

  it("derives the bound from the round's median norm times the multiple, or uses the study's", () => {
    const updates = [update('a', 1, 3, 4), update('b', 1, 0, 1), update('c', 1, 0, 2), update('d', 1, 600, 800)];
    expect(new NormBounded(0, 1).bound(updates)).toBe(3.5);
    expect(new NormBounded(0, 2).bound(updates)).toBe(7);
    expect(new NormBounded(0.5, 2).bound(updates)).toBe(0.5);
  });

  it('takes the sample-weighted mean of the clipped updates', () => {
    // Median norm of [5, 1, 1000] is 5: the third is cut from 1000 to 5.
    const updates = [update('a', 1, 3, 4), update('b', 2, 0, 1), update('h', 1, 600, 800)];
    const { parameters, state } = NORM_BOUNDED.create(NORM_BOUNDED.defaults).aggregate(updates, new Float32Array([1, 1]), null);
    expect(Array.from(parameters)).toEqual([1 + (3 + 3) / 4, 1 + (4 + 2 + 4) / 4]);
    expect(state).toBeNull();
  });

  it("bounds the aggregate's step where only the mean is known, given maxNorm", () => {
    const strategy = NORM_BOUNDED.create({ name: 'norm-bounded', maxNorm: 1 });
    expect(strategy.needsIndividualUpdates).toBe(false);
    expect(Array.from(strategy.serverStep(new Float32Array([1, 1]), new Float32Array([30, 40]), null).parameters)).toEqual([
      Math.fround(1.6),
      Math.fround(1.8),
    ]);
    expect(Array.from(strategy.serverStep(new Float32Array([1, 1]), new Float32Array([0.3, 0.4]), null).parameters)).toEqual([
      Math.fround(1 + Math.fround(0.3)),
      Math.fround(1 + Math.fround(0.4)),
    ]);
  });

  it('a derived bound needs each update: it refuses to step from the mean alone', () => {
    const strategy = NORM_BOUNDED.create(NORM_BOUNDED.defaults);
    expect(strategy.needsIndividualUpdates).toBe(true);
    expect(strategy.name).toBe('norm-bounded');
    expect(() => strategy.serverStep(new Float32Array(1), new Float32Array(1), null)).toThrow(
      'norm-bounded needs maxNorm > 0 to bound a step from the mean alone',
    );
  });

  it('defaults to a derived bound at the median norm and refuses a negative bound or a zero multiple', () => {
    expect(NORM_BOUNDED.defaults).toEqual({ name: 'norm-bounded', maxNorm: 0, medianMultiple: 1 });
    expect(() => NORM_BOUNDED.parse({ maxNorm: -1 })).toThrow('maxNorm must be a number >= 0, got -1');
    expect(() => NORM_BOUNDED.parse({ medianMultiple: 0 })).toThrow('medianMultiple must be a number > 0, got 0');
  });
});
