import { coordinateWise, IndividualUpdateStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { median } from './median.js';
import { POSITIVE, POSITIVE_INTEGER } from './settings.js';
import type { FitResult } from './strategy.js';

/** Distances below this count as this (the smoothed Weiszfeld step stays finite at a data point). */
const SMOOTHING = 1e-12;

/**
 * Geometric median (Pillutla, Kakade and Harchaoui, "Robust Aggregation for Federated Learning"
 * (RFA), 2022): the step is the point with the least sum of Euclidean distances to the clinics'
 * deltas, found by smoothed Weiszfeld iterations from the coordinate-wise median. Each update pulls
 * it with a force of one, however far or large it is, so fewer than half of the clinics cannot move
 * it outside the honest updates' spread; unlike a coordinate-wise median it keeps each update whole,
 * so one member cannot bias every coordinate at once. Unweighted, as the other medians: a sample
 * count buys no vote.
 */
export class GeometricMedian extends IndividualUpdateStrategy {
  readonly name: string = 'geometric-median';

  constructor(
    private readonly maxIterations: number,
    private readonly tolerance: number,
  ) {
    super();
  }

  protected combine(updates: readonly FitResult[], length: number): Float32Array {
    const points = updates.map(({ delta }) => delta);
    return Float32Array.from(geometricMedian(points, coordinateWise(updates, length, median), this.maxIterations, this.tolerance));
  }
}

/**
 * Weiszfeld's algorithm: each step is the mean of the points weighted by the inverse of their
 * distance to the current estimate. Stops after `maxIterations`, or once a step moves the estimate
 * by at most `tolerance` times (1 + its norm). Points at an infinite distance (overflowing values)
 * get no weight.
 */
export function geometricMedian(points: readonly Float32Array[], start: Float32Array, maxIterations: number, tolerance: number): Float64Array {
  let estimate = Float64Array.from(start);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = new Float64Array(estimate.length);
    let totalWeight = 0;
    for (const point of points) {
      const weight = 1 / Math.max(distance(point, estimate), SMOOTHING);
      if (weight === 0) continue;
      for (let i = 0; i < next.length; i++) next[i]! += weight * point[i]!;
      totalWeight += weight;
    }
    if (totalWeight === 0) return estimate;
    for (let i = 0; i < next.length; i++) next[i]! /= totalWeight;
    const moved = distance(next, estimate);
    estimate = next;
    if (moved <= tolerance * (1 + norm(estimate))) break;
  }
  return estimate;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

function norm(vector: Float64Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
}

export const GEOMETRIC_MEDIAN = defineStrategy({
  name: 'geometric-median',
  summary: 'geometric median (RFA): the point nearest to every update in summed distance, unweighted; one hostile update pulls it by at most a unit force',
  settings: {
    maxIterations: { summary: 'most Weiszfeld iterations per round', default: 100, range: POSITIVE_INTEGER },
    tolerance: { summary: 'stop once an iteration moves the step by at most this times (1 + its norm)', default: 1e-7, range: POSITIVE },
  },
  create: ({ maxIterations, tolerance }) => new GeometricMedian(maxIterations, tolerance),
});
