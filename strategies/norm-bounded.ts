import { collectUpdates, MeanStepStrategy, stepBy, weightedMeanDelta } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { median } from './median.js';
import { NON_NEGATIVE, POSITIVE } from './settings.js';
import type { AggregateResult, FitResult, StrategyState } from './strategy.js';

/**
 * Norm-bounded mean (Sun et al., "Can You Really Backdoor Federated Learning?", 2019): each update's
 * delta is scaled down to at most a bound before the sample-weighted mean, so no clinic moves the
 * model further than the bound allows, however it scales its update. The bound is the study's
 * `maxNorm`, or when that is 0, `medianMultiple` times the median of the round's update norms.
 *
 * Where only the mean is known (CKKS, secure aggregation) a set `maxNorm` bounds the aggregate's
 * step instead; a derived bound needs each update, so the study configuration refuses it there.
 */
export class NormBounded extends MeanStepStrategy {
  readonly name: string = 'norm-bounded';
  override readonly needsIndividualUpdates: boolean;

  constructor(
    private readonly maxNorm: number,
    private readonly medianMultiple: number,
  ) {
    super();
    this.needsIndividualUpdates = maxNorm === 0;
  }

  /** The bound a round's updates are clipped to. */
  bound(updates: readonly FitResult[]): number {
    if (this.maxNorm > 0) return this.maxNorm;
    return this.medianMultiple * median(Float64Array.from(updates, ({ delta }) => l2Norm(delta)).sort());
  }

  override aggregate(results: Iterable<FitResult>, global: Float32Array, _state: StrategyState | null): AggregateResult {
    const updates = collectUpdates(results, global.length);
    const bound = this.bound(updates);
    const clipped = updates.map((update) => ({ ...update, delta: clipToNorm(update.delta, bound) }));
    return { parameters: stepBy(global, weightedMeanDelta(clipped, global.length)), state: null };
  }

  serverStep(global: Float32Array, meanDelta: Float32Array): AggregateResult {
    if (this.maxNorm === 0) throw new Error('norm-bounded needs maxNorm > 0 to bound a step from the mean alone');
    return { parameters: stepBy(global, clipToNorm(meanDelta, this.maxNorm)), state: null };
  }
}

export function l2Norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/** `vector` scaled down to norm `bound` if longer, else itself. */
export function clipToNorm(vector: Float32Array, bound: number): Float32Array {
  const norm = l2Norm(vector);
  if (norm <= bound) return vector;
  const scale = bound / norm;
  return vector.map((v) => v * scale);
}

export const NORM_BOUNDED = defineStrategy({
  name: 'norm-bounded',
  summary: "norm-bounded mean: the sample-weighted mean of the updates, each clipped to a norm bound the study sets or the round's median norm",
  settings: {
    maxNorm: {
      summary: "largest L2 norm of an update (of the aggregate's step under he or secagg); 0 derives it from the round",
      default: 0,
      range: NON_NEGATIVE,
    },
    medianMultiple: { summary: "with maxNorm 0, the bound is this times the median of the round's update norms", default: 1, range: POSITIVE },
  },
  create: ({ maxNorm, medianMultiple }) => new NormBounded(maxNorm, medianMultiple),
});
