import { describe, expect, it } from '@jest/globals';
import { GEOMETRIC_MEDIAN, geometricMedian } from './geometric-median.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });
const points = (...vectors: number[][]) => vectors.map((v) => new Float32Array(v));
const sumOfDistances = (from: ArrayLike<number>, to: readonly Float32Array[]) =>
  to.reduce((sum, p) => sum + Math.hypot(...Array.from(p, (v, i) => v - from[i]!)), 0);

describe('geometric median', () => {
  it('finds the Fermat point of a triangle: 120 degrees between the directions to its corners', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    const z = geometricMedian(corners, [1, 1, 1], new Float32Array([1, 1]), 1000, 1e-12);
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

  it('lands on a point that outweighs the others, by copies or by weight, and on the point itself when all agree', () => {
    // Three copies of one point against two others: the sum of distances is least at that point.
    const copies = geometricMedian(points([1, 1], [1, 1], [1, 1], [5, 0], [0, 9]), [1, 1, 1, 1, 1], new Float32Array([2, 2]), 1000, 1e-12);
    const weighted = geometricMedian(points([1, 1], [5, 0], [0, 9]), [3, 1, 1], new Float32Array([2, 2]), 1000, 1e-12);
    for (const z of [copies, weighted]) {
      expect(z[0]).toBeCloseTo(1, 6);
      expect(z[1]).toBeCloseTo(1, 6);
    }
    const same = geometricMedian(points([2, -3], [2, -3]), [1, 5], new Float32Array([0, 0]), 100, 1e-9);
    expect(same[0]).toBeCloseTo(2, 12);
    expect(same[1]).toBeCloseTo(-3, 12);
  });

  it('stops after maxIterations, and sooner once a step moves less than the tolerance', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    const one = geometricMedian(corners, [1, 1, 1], new Float32Array([0, 0]), 1, 1e-12);
    const converged = geometricMedian(corners, [1, 1, 1], new Float32Array([1, 1]), 1000, 1e-12);
    const loose = geometricMedian(corners, [1, 1, 1], new Float32Array([1, 1]), 1000, 0.5);
    expect(Array.from(one)).not.toEqual(Array.from(converged));
    expect(Array.from(loose)).not.toEqual(Array.from(converged));
    expect(Math.hypot(loose[0]! - converged[0]!, loose[1]! - converged[1]!)).toBeLessThan(1);
  });

  it('an update of enormous size pulls with its weight only, as a near one would', () => {
    const honest = points([1, 0], [0, 1], [1, 1]);
    const alone = geometricMedian(honest, [1, 1, 1], new Float32Array([0.5, 0.5]), 1000, 1e-12);
    const far = geometricMedian([...honest, new Float32Array([3e38, -3e38])], [1, 1, 1, 1], new Float32Array([1, 1]), 1000, 1e-12);
    const near = geometricMedian([...honest, new Float32Array([3, -3])], [1, 1, 1, 1], new Float32Array([1, 1]), 1000, 1e-12);
    expect(Number.isFinite(far[0]!) && Number.isFinite(far[1]!)).toBe(true);
    // Moved from the honest median by less than the honest points' spread, and about as the near one moves it.
    expect(Math.hypot(far[0]! - alone[0]!, far[1]! - alone[1]!)).toBeLessThan(1);
    expect(Math.hypot(far[0]! - near[0]!, far[1]! - near[1]!)).toBeLessThan(0.25);
  });

  it('one hostile clinic of four, with a fair share of the samples, moves the step by less than the honest spread whatever it sends', () => {
    const strategy = GEOMETRIC_MEDIAN.create(GEOMETRIC_MEDIAN.defaults);
    const honest = [update('a', 10, 0.1, 0.2, 0.3), update('b', 10, 0.2, 0.1, 0.3), update('c', 10, 0.3, 0.3, 0.1)];
    const alone = strategy.aggregate(honest, new Float32Array(3), null).parameters;
    for (const hostile of [-1e30, 1e30, -8, 8]) {
      const { parameters } = strategy.aggregate([...honest, update('h', 10, hostile, hostile, hostile)], new Float32Array(3), null);
      // The honest updates lie within 0.3 of each other; the hostile one moves the step by less.
      expect(Math.hypot(...Array.from(parameters, (p, i) => p - alone[i]!))).toBeLessThan(0.3);
    }
  });

  it('takes exact Weiszfeld steps: the inverse-distance mean, and from a point the Vardi-Zhang blend', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    // From (1, 1): the points weighted by 1/sqrt(2), 1/sqrt(10), 1/sqrt(5).
    const plain = geometricMedian(corners, [1, 1, 1], new Float32Array([1, 1]), 1, 1e-12);
    expect(plain[0]).toBeCloseTo(0.8601629741560421, 12);
    expect(plain[1]).toBeCloseTo(0.9123406079269897, 12);
    // From the corner (0, 0): the others pull with (1, 1), force sqrt(2) > its weight 1, so the step
    // is the others' mean (1.714..., 1.714...) blended with the corner by 1/sqrt(2).
    const fromCorner = geometricMedian(corners, [1, 1, 1], new Float32Array([0, 0]), 1, 1e-12);
    expect(fromCorner[0]).toBeCloseTo(0.5021026608230615, 12);
    expect(fromCorner[1]).toBeCloseTo(0.5021026608230615, 12);
    // The same triangle moved by (10, -20): every step moves with it.
    const moved = geometricMedian(points([10, -20], [14, -20], [10, -17]), [1, 1, 1], new Float32Array([10, -20]), 1, 1e-12);
    expect(moved[0]).toBeCloseTo(10.502102660823061, 10);
    expect(moved[1]).toBeCloseTo(-19.49789733917694, 10);
  });

  it('stops once a step moves by at most tolerance times (1 + the norm of the estimate)', () => {
    const far = points([100, 100], [104, 100], [100, 103]);
    // The first step moves 0.378, under 0.01 x (1 + 142): it stops there.
    const stopped = geometricMedian(far, [1, 1, 1], new Float32Array([100, 100.5]), 1000, 0.01);
    expect(stopped[0]).toBeCloseTo(100.37471746427465, 9);
    expect(stopped[1]).toBeCloseTo(100.45316031696566, 9);
  });

  it('leaves a point it starts on unless that point is the median (Vardi-Zhang)', () => {
    const corners = points([0, 0], [4, 0], [0, 3]);
    const fromCorner = geometricMedian(corners, [1, 1, 1], new Float32Array([0, 0]), 1000, 1e-12);
    const fromInside = geometricMedian(corners, [1, 1, 1], new Float32Array([1, 1]), 1000, 1e-12);
    expect(Math.hypot(fromCorner[0]! - fromInside[0]!, fromCorner[1]! - fromInside[1]!)).toBeLessThan(1e-6);
    // A corner holding more weight than the others' pull is the median, and stays.
    expect(Array.from(geometricMedian(corners, [3, 1, 1], new Float32Array([0, 0]), 1000, 1e-12))).toEqual([0, 0]);
  });

  it('weighs each update by its sample count: a majority of the samples decides, as the approvals bound them', () => {
    const strategy = GEOMETRIC_MEDIAN.create(GEOMETRIC_MEDIAN.defaults);
    const even = strategy.aggregate([update('a', 1, 0, 0), update('b', 1, 2, 0), update('c', 1, 0, 2)], new Float32Array(2), null).parameters;
    const heavy = strategy.aggregate([update('a', 1, 0, 0), update('b', 3, 2, 0), update('c', 1, 0, 2)], new Float32Array(2), null).parameters;
    expect(even[0]).toBeCloseTo(even[1]!, 6);
    expect(heavy[0]).toBeCloseTo(2, 5);
    expect(heavy[1]).toBeCloseTo(0, 5);
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
