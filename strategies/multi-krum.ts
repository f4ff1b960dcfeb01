import { IndividualUpdateStrategy, weightedMeanDelta } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { NON_NEGATIVE_INTEGER } from './settings.js';
import type { FitResult } from './strategy.js';

/**
 * Multi-Krum (Blanchard et al., "Machine Learning with Adversaries", 2017; Flower's Krum): each
 * update is scored by the sum of its squared distances to its `n - f - 2` nearest others (at least
 * one), `f` being the number of hostile clinics the study guards against; the `keep` best-scored
 * updates are averaged by sample count. An update far from every other, however it was scaled, is
 * never kept while `keep <= n - f`. Krum's guarantee needs `n >= 2f + 3` clinics.
 */
export class MultiKrum extends IndividualUpdateStrategy {
  readonly name: string = 'multi-krum';

  constructor(
    private readonly byzantine: number,
    private readonly keep: number,
  ) {
    super();
  }

  /** The clinics whose updates are averaged, best score first (ties keep the round's order). */
  selected(updates: readonly FitResult[]): FitResult[] {
    const n = updates.length;
    const neighbours = Math.max(1, n - this.byzantine - 2);
    const distances = updates.map((a) => updates.map((b) => squaredDistance(a.delta, b.delta)));
    const scores = distances.map((row, i) => {
      // A typed array sorts numerically and keeps Infinity (a huge update's distance) in order.
      const others = Float64Array.from(row.filter((_, j) => j !== i)).sort();
      return others.subarray(0, neighbours).reduce((sum, d) => sum + d, 0);
    });
    const kept = this.keep > 0 ? this.keep : n - this.byzantine;
    const order = updates.map((_, i) => i).sort((i, j) => compare(scores[i]!, scores[j]!) || i - j);
    return order.slice(0, Math.min(n, Math.max(1, kept))).map((i) => updates[i]!);
  }

  protected combine(updates: readonly FitResult[], length: number): Float32Array {
    return weightedMeanDelta(this.selected(updates), length);
  }
}

function compare(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return sum;
}

export const MULTI_KRUM = defineStrategy({
  name: 'multi-krum',
  summary: 'multi-Krum: the sample-weighted mean of the updates closest to their neighbours, outliers left out',
  settings: {
    byzantine: { summary: 'hostile clinics guarded against (f): scores use the n - f - 2 nearest neighbours', default: 1, range: NON_NEGATIVE_INTEGER },
    keep: { summary: 'updates averaged (m); 0 keeps n - f, 1 is plain Krum', default: 0, range: NON_NEGATIVE_INTEGER },
  },
  create: ({ byzantine, keep }) => new MultiKrum(byzantine, keep),
});
