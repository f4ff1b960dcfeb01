import { describe, expect, it } from '@jest/globals';
import { GEOMETRIC_MEDIAN, geometricMedian } from './geometric-median.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });
const points = (...vectors: number[][]) => vectors.map((v) => new Float32Array(v));
const sumOfDistances = (from: ArrayLike<number>, to: readonly Float32Array[]) =>
  to.reduce((sum, p) => sum + Math.hypot(...Array.from(p, (v, i) => v - from[i]!)), 0);

describe('geometric median', () => {
  it('finds the Fermat point of a triangle: 120 degrees between the directions to its corners', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    const z = geometricMedian(corners, new Float32Array([1, 1]), 1000, 1e-12);
    const unit = corners.map((c) => {
      const d = [c[0]! - z[0]!, c[1]! - z[1]!];
      const length = Math.hypot(d[0]!, d[1]!);
      return [d[0]! / length, d[1]! / length];
    });
    // At the Fermat point the unit vectors towards the corners sum to zero.
    expect(Math.hypot(unit[0]![0]! + unit[1]![0]! + unit[2]![0]!, unit[0]![1]! + unit[1]![1]! + unit[2]![1]!)).toBeLessThan(1e-6);
    // And no nearby point has a smaller sum of distances.
    const best = sumOfDistances(z, corners);
    for (const [dx, dy] of [
      [1e-3, 0],
      [-1e-3, 0],
      [0, 1e-3],
      [0, -1e-3],
    ])
      expect(sumOfDistances([z[0]! + dx!, z[1]! + dy!], corners)).toBeGreaterThan(best);
  });

  it('lands on a point that outweighs the others, and on the point itself when all agree', () => {
    // Three copies of one point against two others: the sum of distances is least at that point.
    const z = geometricMedian(points([1, 1], [1, 1], [1, 1], [5, 0], [0, 9]), new Float32Array([2, 2]), 1000, 1e-12);
    expect(z[0]).toBeCloseTo(1, 6);
    expect(z[1]).toBeCloseTo(1, 6);
    expect(Array.from(geometricMedian(points([2, -3], [2, -3]), new Float32Array([0, 0]), 100, 1e-9))).toEqual([2, -3]);
  });

  it('stops after maxIterations, and sooner once a step moves less than the tolerance', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    const one = geometricMedian(corners, new Float32Array([0, 0]), 1, 1e-12);
    // One Weiszfeld step from a corner (its distance smoothed to 1e-12) stays at that corner's pull.
    const converged = geometricMedian(corners, new Float32Array([1, 1]), 1000, 1e-12);
    const loose = geometricMedian(corners, new Float32Array([1, 1]), 1000, 0.5);
    expect(Array.from(one)).not.toEqual(Array.from(converged));
    expect(Array.from(loose)).not.toEqual(Array.from(converged));
    expect(Math.hypot(loose[0]! - converged[0]!, loose[1]! - converged[1]!)).toBeLessThan(1);
  });

  it('gives an update of overflowing size no weight', () => {
    const z = geometricMedian(points([1, 0], [0, 1], [1, 1], [3e38, -3e38]), new Float32Array([1, 1]), 100, 1e-12);
    expect(Number.isFinite(z[0]!) && Number.isFinite(z[1]!)).toBe(true);
    expect(sumOfDistances(z, points([1, 0], [0, 1], [1, 1]))).toBeLessThan(2);
  });

  it('one hostile clinic of four moves the step by less than the honest spread, whatever it sends or declares', () => {
    const strategy = GEOMETRIC_MEDIAN.create(GEOMETRIC_MEDIAN.defaults);
    const honest = [update('a', 10, 0.1, 0.2, 0.3), update('b', 10, 0.2, 0.1, 0.3), update('c', 10, 0.3, 0.3, 0.1)];
    const alone = strategy.aggregate(honest, new Float32Array(3), null).parameters;
    for (const hostile of [-1e30, 1e30, -8, 8]) {
      const { parameters } = strategy.aggregate([...honest, update('h', 2 ** 53 - 1, hostile, hostile, hostile)], new Float32Array(3), null);
      // The honest updates lie within 0.3 of each other; the hostile one moves the step by less.
      expect(Math.hypot(...Array.from(parameters, (p, i) => p - alone[i]!))).toBeLessThan(0.3);
    }
  });

  it('ignores sample counts: a count buys no vote', () => {
    const strategy = GEOMETRIC_MEDIAN.create(GEOMETRIC_MEDIAN.defaults);
    const few = strategy.aggregate([update('a', 1, 0, 0), update('b', 1, 2, 0), update('c', 1, 0, 2)], new Float32Array(2), null);
    const many = strategy.aggregate([update('a', 1, 0, 0), update('b', 1e9, 2, 0), update('c', 1, 0, 2)], new Float32Array(2), null);
    expect(Array.from(many.parameters)).toEqual(Array.from(few.parameters));
  });

  it('has two settings with defaults and ranges, needs each update and refuses to step from the mean', () => {
    expect(GEOMETRIC_MEDIAN.defaults).toEqual({ name: 'geometric-median', maxIterations: 100, tolerance: 1e-7 });
    expect(() => GEOMETRIC_MEDIAN.parse({ maxIterations: 0.5, tolerance: 0 })).toThrow(
      'maxIterations must be an integer >= 1, got 0.5; tolerance must be a number > 0, got 0',
    );
    const strategy = GEOMETRIC_MEDIAN.create(GEOMETRIC_MEDIAN.defaults);
    expect(strategy).toMatchObject({ name: 'geometric-median', needsIndividualUpdates: true });
    expect(() => strategy.serverStep(new Float32Array(1), new Float32Array(1), null)).toThrow(
      "geometric-median needs each clinic's update and cannot step from their mean alone",
    );
  });
});
