import { coordinateWise, IndividualUpdateStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { median } from './median.js';
import { NON_NEGATIVE_INTEGER } from './settings.js';
import type { FitResult } from './strategy.js';

/**
 * Mean around the median (Xie, Koyejo and Gupta, "Generalized Byzantine-tolerant SGD", 2018,
 * "MeaMed"): at each parameter the `n - f` deltas closest to the median there are averaged,
 * unweighted, `f` being the number of hostile clinics the study guards against. Where a trimmed mean
 * drops as many values from each end, and so drops honest values from the side the hostile ones are
 * not on (a bias towards them every round), this drops the values farthest from the median, wherever
 * they are: the hostile ones when they stand out.
 */
export class MeanAroundMedian extends IndividualUpdateStrategy {
  readonly name: string = 'mean-around-median';

  constructor(private readonly byzantine: number) {
    super();
  }

  /** How many values are averaged among `n` (at least one). */
  kept(n: number): number {
    return Math.max(1, n - this.byzantine);
  }

  protected combine(updates: readonly FitResult[], length: number): Float32Array {
    const kept = this.kept(updates.length);
    return coordinateWise(updates, length, (sorted) => meanOfNearest(sorted, median(sorted), kept));
  }
}

/**
 * The mean of the `count` values of `sorted` (ascending) nearest to `centre`: a window of `count`
 * consecutive values, grown from the centre outwards one value at a time towards the nearer side
 * (ties to the lower value, so the result does not depend on the order of arrival).
 */
export function meanOfNearest(sorted: Float64Array, centre: number, count: number): number {
  // The first value at or above the centre; the window [low, high) starts empty just before it.
  let high = sorted.findIndex((v) => v >= centre);
  if (high === -1) high = sorted.length;
  let low = high;
  let sum = 0;
  while (high - low < count) {
    const takeLow = low > 0 && (high >= sorted.length || centre - sorted[low - 1]! <= sorted[high]! - centre);
    sum += takeLow ? sorted[--low]! : sorted[high++]!;
  }
  return sum / count;
}

export const MEAN_AROUND_MEDIAN = defineStrategy({
  name: 'mean-around-median',
  summary: 'mean-around-median (MeaMed): at each parameter, the unweighted mean of the n - f deltas closest to the median',
  settings: {
    byzantine: { summary: 'hostile clinics guarded against (f): the f deltas farthest from the median are dropped', default: 1, range: NON_NEGATIVE_INTEGER },
  },
  create: ({ byzantine }) => new MeanAroundMedian(byzantine),
});
