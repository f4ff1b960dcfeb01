import { describe, expect, it } from '@jest/globals';
import { MEDIAN, median } from './median.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });

describe('coordinate-wise median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even one', () => {
    expect(median(Float64Array.of(1, 2, 9))).toBe(2);
    expect(median(Float64Array.of(1, 2, 4, 9))).toBe(3);
    expect(median(Float64Array.of(-5))).toBe(-5);
  });

  it('moves each parameter by the median delta there, whatever the sample counts', () => {
    const strategy = MEDIAN.create(MEDIAN.defaults);
    const updates = [update('a', 1, 1, 10), update('b', 1e9, 100, -3), update('c', 2, 3, 0)];
    expect(Array.from(strategy.aggregate(updates, new Float32Array([1, 1]), null).parameters)).toEqual([4, 1]);
  });

  it('one hostile clinic among four cannot take a parameter outside the honest range', () => {
    const honest = [update('a', 10, 0.1), update('b', 10, 0.2), update('c', 10, 0.3)];
    for (const hostile of [-1e30, 1e30, -2]) {
      const { parameters } = MEDIAN.create(MEDIAN.defaults).aggregate([...honest, update('h', 2 ** 53 - 1, hostile)], new Float32Array([0]), null);
      expect(parameters[0]).toBeGreaterThanOrEqual(0.1 - 1e-7);
      expect(parameters[0]).toBeLessThanOrEqual(0.3 + 1e-7);
    }
  });

  it('has no settings, needs each update and refuses to step from the mean alone', () => {
    expect(MEDIAN.defaults).toEqual({ name: 'median' });
    expect(() => MEDIAN.parse({ trim: 0.1 })).toThrow('trim is not a setting of median (its settings: none)');
    const strategy = MEDIAN.create(MEDIAN.defaults);
    expect(strategy.needsIndividualUpdates).toBe(true);
    expect(strategy.name).toBe('median');
    expect(strategy.configureFit({ round: 3, available: ['a', 'b'] }).clinics).toEqual(['a', 'b']);
    expect(strategy.fitConfig(3)).toEqual({});
    expect(() => strategy.serverStep(new Float32Array(1), new Float32Array(1), null)).toThrow(
      "median needs each clinic's update and cannot step from their mean alone",
    );
  });

  it('refuses a round without updates or an update of the wrong length', () => {
    const strategy = MEDIAN.create(MEDIAN.defaults);
    expect(() => strategy.aggregate([], new Float32Array(1), null)).toThrow('cannot aggregate a round without updates');
    expect(() => strategy.aggregate([update('a', 1, 1, 2)], new Float32Array(1), null)).toThrow('update from a has 2 parameters, expected 1');
    expect(() => strategy.aggregate([update('a', 0, 1)], new Float32Array(1), null)).toThrow('update from a has no samples to weight it by');
  });
});
