import { coordinateWise, IndividualUpdateStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { FRACTION_BELOW_HALF } from './settings.js';
import type { FitResult } from './strategy.js';

/**
 * Coordinate-wise trimmed mean (Yin et al. 2018; Flower's FedTrimmedAvg): at each parameter the
 * largest and smallest deltas are dropped, `ceil(trim * n)` of each (at least one value kept), and
 * the rest averaged, unweighted. Rounding up means a small consortium still trims: 4 clinics at the
 * default 0.2 drop one from each end, where Flower's rounding down would drop none.
 */
export class TrimmedMean extends IndividualUpdateStrategy {
  readonly name: string = 'trimmed-mean';

  constructor(private readonly trim: number) {
    super();
  }

  /** How many values are dropped from each end among `n`. */
  cutFromEachEnd(n: number): number {
    return Math.min(Math.ceil(this.trim * n), (n - 1) >> 1);
  }

  protected combine(updates: readonly FitResult[], length: number): Float32Array {
    const cut = this.cutFromEachEnd(updates.length);
    return coordinateWise(updates, length, (sorted) => {
      let sum = 0;
      for (let k = cut; k < sorted.length - cut; k++) sum += sorted[k]!;
      return sum / (sorted.length - 2 * cut);
    });
  }
}

export const TRIMMED_MEAN = defineStrategy({
  name: 'trimmed-mean',
  summary: 'trimmed mean: coordinate-wise mean after dropping the largest and smallest deltas at each parameter, unweighted',
  settings: {
    trim: { summary: 'fraction of the clinics dropped at each end, rounded up (at least one value is kept)', default: 0.2, range: FRACTION_BELOW_HALF },
  },
  create: ({ trim }) => new TrimmedMean(trim),
});
