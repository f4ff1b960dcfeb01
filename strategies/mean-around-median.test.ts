import { describe, expect, it } from '@jest/globals';
import { MEAN_AROUND_MEDIAN, meanOfNearest } from './mean-around-median.js';
import { TRIMMED_MEAN } from './trimmed-mean.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });

describe('mean around the median', () => {
  it('averages the values nearest the centre, growing towards the nearer side, ties to the lower value', () => {
    expect(meanOfNearest(Float64Array.of(-8, 1, 2, 3, 10), 2, 3)).toBe(2);
    expect(meanOfNearest(Float64Array.of(-8, -8, 1, 2, 3), 1, 3)).toBe(2);
    expect(meanOfNearest(Float64Array.of(0, 1, 3, 4), 2, 1)).toBe(1);
    expect(meanOfNearest(Float64Array.of(0, 1, 3, 4), 2, 2)).toBe(2);
    expect(meanOfNearest(Float64Array.of(0, 1, 3, 4), 2, 4)).toBe(2);
    expect(meanOfNearest(Float64Array.of(5, 6), 9, 1)).toBe(6);
    expect(meanOfNearest(Float64Array.of(0, 1, 2.5, 4), 2, 1)).toBe(2.5);
    expect(meanOfNearest(Float64Array.of(0, 1, 2.5, 4), 2, 2)).toBe(1.75);
    expect(meanOfNearest(Float64Array.of(5, 6), 1, 1)).toBe(5);
  });

  it('drops hostile values on one side where a trimmed mean drops honest ones from the other', () => {
    const honest = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((d, i) => update(`h${i}`, 10, d));
    const hostile = [update('x', 10, -8), update('y', 10, -8)];
    const around = MEAN_AROUND_MEDIAN.create({ name: 'mean-around-median', byzantine: 2 }).aggregate([...honest, ...hostile], new Float32Array(1), null);
    const trimmed = TRIMMED_MEAN.create({ name: 'trimmed-mean', trim: 0.25 }).aggregate([...honest, ...hostile], new Float32Array(1), null);
    // Every honest value kept: their mean, 0.35; the trimmed mean keeps 0.1 to 0.4 only.
    expect(around.parameters[0]).toBeCloseTo(0.35, 6);
    expect(trimmed.parameters[0]).toBeCloseTo(0.25, 6);
  });

  it('works coordinate by coordinate, unweighted, and keeps at least one value', () => {
    const strategy = MEAN_AROUND_MEDIAN.create({ name: 'mean-around-median', byzantine: 5 });
    const updates = [update('a', 1, 1, 10), update('b', 1e9, 2, -3), update('c', 2, 30, 0)];
    expect(Array.from(strategy.aggregate(updates, new Float32Array([1, 1]), null).parameters)).toEqual([3, 1]);
    const one = MEAN_AROUND_MEDIAN.create(MEAN_AROUND_MEDIAN.defaults);
    expect(Array.from(one.aggregate(updates, new Float32Array([0, 0]), null).parameters)).toEqual([1.5, -1.5]);
  });

  it('guards against one hostile clinic by default, needs each update, settings are whole numbers', () => {
    expect(MEAN_AROUND_MEDIAN.defaults).toEqual({ name: 'mean-around-median', byzantine: 1 });
    expect(() => MEAN_AROUND_MEDIAN.parse({ byzantine: 0.5 })).toThrow('byzantine must be an integer >= 0, got 0.5');
    const strategy = MEAN_AROUND_MEDIAN.create(MEAN_AROUND_MEDIAN.defaults);
    expect(strategy).toMatchObject({ name: 'mean-around-median', needsIndividualUpdates: true });
    expect(() => strategy.serverStep(new Float32Array(1), new Float32Array(1), null)).toThrow(
      "mean-around-median needs each clinic's update and cannot step from their mean alone",
    );
  });
});
