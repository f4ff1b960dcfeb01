import type { AggregateResult, FitResult, Strategy, StrategyState } from './strategy.js';

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

/** A plain round: the strategy's server step on the sample-weighted mean of the clinics' updates. */
export function aggregateFit(strategy: Strategy, global: Float32Array, results: Iterable<FitResult>, state: StrategyState | null): AggregateResult {
  return strategy.serverStep(global, weightedMeanDelta(results, global.length), state);
}
