import { coordinateWise, IndividualUpdateStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import type { FitResult } from './strategy.js';

/**
 * Coordinate-wise median (Yin et al., "Byzantine-Robust Distributed Learning", 2018; Flower's
 * FedMedian): each parameter moves by the median of the clinics' deltas there, unweighted, so fewer
 * than half of the clinics cannot drag it outside the range of the honest ones, whatever they send
 * or declare.
 */
export class Median extends IndividualUpdateStrategy {
  readonly name: string = 'median';

  protected combine(updates: readonly FitResult[], length: number): Float32Array {
    return coordinateWise(updates, length, median);
  }
}

/** The median of sorted values; the mean of the two middle ones when their number is even. */
export function median(sorted: Float64Array): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const MEDIAN = defineStrategy({
  name: 'median',
  summary: 'median: coordinate-wise median of the updates, unweighted: robust while fewer than half of the clinics are hostile',
  settings: {},
  create: () => new Median(),
});
