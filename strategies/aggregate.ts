import type { AggregateResult, FitConfig, FitPlan, FitResult, RoundContext, Strategy, StrategyState } from './strategy.js';

/**
 * Sample-weighted mean of the updates, accumulated one at a time in float64 so memory stays at one
 * aggregate whatever the number of clinics.
 */
export function weightedMeanDelta(results: Iterable<FitResult>, length: number): Float32Array {
  const sum = new Float64Array(length);
  let totalWeight = 0;
  for (const { clinicId, numSamples, delta } of results) {
    if (delta.length !== length) {
      throw new Error(`update from ${clinicId} has ${delta.length} parameters, expected ${length}`);
    }
    if (!(numSamples > 0)) throw new Error(`update from ${clinicId} has no samples to weight it by`);
    for (let i = 0; i < length; i++) sum[i]! += numSamples * delta[i]!;
    totalWeight += numSamples;
  }
  if (totalWeight === 0) throw new Error('cannot aggregate a round without updates');
  return Float32Array.from(sum, (s) => s / totalWeight);
}

/** Every connected clinic trains: consortia are small, and each site's data counts. */
export function selectAllAvailable({ available }: RoundContext): FitPlan {
  return { clinics: [...available] };
}

/**
 * The common case: every available clinic trains as it would alone, and the round's step needs only
 * the sample-weighted mean of the updates, so `aggregate` is that mean followed by `serverStep`.
 */
export abstract class MeanStepStrategy implements Strategy {
  abstract readonly name: string;
  readonly needsIndividualUpdates: boolean = false;

  configureFit(round: RoundContext): FitPlan {
    return selectAllAvailable(round);
  }

  fitConfig(_round: number): FitConfig {
    return {};
  }

  aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult {
    return this.serverStep(global, weightedMeanDelta(results, global.length), state);
  }

  abstract serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null): AggregateResult;
}
