import { describe, expect, it } from '@jest/globals';
import { TRIMMED_MEAN, TrimmedMean } from './trimmed-mean.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });

describe('coordinate-wise trimmed mean', () => {
  it('drops ceil(trim * n) values from each end, always keeping at least one', () => {
    const cuts = (trim: number) => [1, 2, 3, 4, 5, 10, 20].map((n) => new TrimmedMean(trim).cutFromEachEnd(n));
    expect(cuts(0.2)).toEqual([0, 0, 1, 1, 1, 2, 4]);
    expect(cuts(0)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(cuts(0.49)).toEqual([0, 0, 1, 1, 2, 4, 9]);
  });

  it('averages the values left at each parameter, unweighted', () => {
    const updates = [update('a', 1, 1, 8), update('b', 100, 2, -4), update('c', 1, 4, 0), update('d', 1, 100, 2)];
    // Four clinics at 0.2: one dropped from each end, so [2, 4] and [0, 2] remain.
    expect(Array.from(TRIMMED_MEAN.create(TRIMMED_MEAN.defaults).aggregate(updates, new Float32Array([10, 0]), null).parameters)).toEqual([13, 1]);
    // trim 0 is the unweighted mean.
    expect(Array.from(TRIMMED_MEAN.create({ name: 'trimmed-mean', trim: 0 }).aggregate(updates, new Float32Array([0, 0]), null).parameters)).toEqual([
      26.75, 1.5,
    ]);
  });

  it('defaults to 0.2 and refuses a fraction of half or more', () => {
    expect(TRIMMED_MEAN.defaults).toEqual({ name: 'trimmed-mean', trim: 0.2 });
    expect(() => TRIMMED_MEAN.parse({ trim: 0.5 })).toThrow('trim must be a number in [0, 0.5), got 0.5');
    expect(() => TRIMMED_MEAN.parse({ trim: -0.1 })).toThrow('trim must be a number in [0, 0.5), got -0.1');
    expect(TRIMMED_MEAN.parse({ trim: 0.49 })).toEqual({ name: 'trimmed-mean', trim: 0.49 });
    const strategy = TRIMMED_MEAN.create(TRIMMED_MEAN.defaults);
    expect(strategy.name).toBe('trimmed-mean');
    expect(strategy.needsIndividualUpdates).toBe(true);
  });
});
