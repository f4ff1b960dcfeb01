import { coordinateWise, IndividualUpdateStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { median } from './median.js';
import { l2Norm } from './norm-bounded.js';
import { POSITIVE, POSITIVE_INTEGER } from './settings.js';
import type { FitResult } from './strategy.js';

/** A point this close to the estimate counts as the estimate's own position (Vardi-Zhang's case). */
const COINCIDENT = 1e-12;

/**
 * Geometric median (Pillutla, Kakade and Harchaoui, "Robust Aggregation for Federated Learning"
 * (RFA), 2022): the step is the point with the least sample-weighted sum of Euclidean distances to
 * the clinics' deltas, found by Weiszfeld's iterations (Vardi and Zhang's form) from the coordinate-wise median. Each
 * update pulls it with a force of its weight, however far or large it is, so clinics holding less
 * than half of the samples cannot move it outside the honest updates' spread; unlike a
 * coordinate-wise median it keeps each update whole, so one member cannot bias every coordinate at
 * once. Weights are the declared counts, which the coordinator bounds by the approved ones; weighting
 * keeps the large sites' say (pooled accuracy) where an unweighted median gives a 30-record site the
 * vote of a 200-record one.
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
    const weights = updates.map(({ numSamples }) => numSamples);
    return Float32Array.from(geometricMedian(points, weights, coordinateWise(updates, length, median), this.maxIterations, this.tolerance));
  }
}

/**
 * Weiszfeld's algorithm as Vardi and Zhang modified it ("The multivariate L1-median and associated
 * data depth", 2000), so that an estimate on one of the points is never stuck there: each step is the
 * mean of the other points, each weighted by its weight over its distance, pulled back towards the
 * point the estimate sits on by that point's weight; it stays only where that weight outweighs the
 * others' pull, i.e. at the median. Stops after `maxIterations`, or once a step moves the estimate by
 * at most `tolerance` times (1 + its norm).
 */
export function geometricMedian(
  points: readonly Float32Array[],
  weights: readonly number[],
  start: Float32Array,
  maxIterations: number,
  tolerance: number,
): Float64Array {
  let estimate: Float64Array = Float64Array.from(start);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const next = weiszfeldStep(points, weights, estimate);
    const moved = distance(next, estimate);
    estimate = next;
    if (moved <= tolerance * (1 + l2Norm(estimate))) break;
  }
  return estimate;
}

/** One Vardi-Zhang step from `estimate`; `estimate` itself when it is the median. */
function weiszfeldStep(points: readonly Float32Array[], weights: readonly number[], estimate: Float64Array): Float64Array {
  const mean = new Float64Array(estimate.length);
  const pull = new Float64Array(estimate.length);
  let totalWeight = 0;
  let coincident = 0;
  for (const [k, point] of points.entries()) {
    const d = distance(point, estimate);
    if (d <= COINCIDENT) {
      coincident += weights[k]!;
      continue;
    }
    const weight = weights[k]! / d;
    for (let i = 0; i < mean.length; i++) {
      mean[i]! += weight * point[i]!;
      pull[i]! += weight * (point[i]! - estimate[i]!);
    }
    totalWeight += weight;
  }
  if (totalWeight === 0) return estimate;
  for (let i = 0; i < mean.length; i++) mean[i]! /= totalWeight;
  if (coincident === 0) return mean;
  // On a point: the others pull with force |pull|; the point holds with its weight.
  const force = l2Norm(pull);
  if (force <= coincident) return estimate;
  const hold = coincident / force;
  for (let i = 0; i < mean.length; i++) mean[i] = (1 - hold) * mean[i]! + hold * estimate[i]!;
  return mean;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

export const GEOMETRIC_MEDIAN = defineStrategy({
  name: 'geometric-median',
  summary: 'geometric median (RFA): the point nearest to the updates in sample-weighted summed distance; a hostile update pulls it by at most its weight',
  settings: {
    maxIterations: { summary: 'most Weiszfeld iterations per round', default: 100, range: POSITIVE_INTEGER },
    tolerance: { summary: 'stop once an iteration moves the step by at most this times (1 + its norm)', default: 1e-7, range: POSITIVE },
  },
  create: ({ maxIterations, tolerance }) => new GeometricMedian(maxIterations, tolerance),
});
