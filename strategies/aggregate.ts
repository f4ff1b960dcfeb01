import type { AggregateResult, FitConfig, FitPlan, FitResult, RoundContext, Strategy, StrategyState } from './strategy.js';

/**
 * Sample-weighted mean of the updates, accumulated one at a time in float64 so memory stays at one
 * aggregate whatever the number of clinics.
 */
export function weightedMeanDelta(results: Iterable<FitResult>, length: number): Float32Array {
  const sum = new Float64Array(length);
  let totalWeight = 0;
  for (const result of results) {
    const { numSamples, delta } = checkedUpdate(result, length);
    for (let i = 0; i < length; i++) sum[i]! += numSamples * delta[i]!;
    totalWeight += numSamples;
  }
  if (totalWeight === 0) throw new Error('cannot aggregate a round without updates');
  return Float32Array.from(sum, (s) => s / totalWeight);
}

/** The round's updates as a list (robust strategies compare them), each checked as the mean checks them. */
export function collectUpdates(results: Iterable<FitResult>, length: number): FitResult[] {
  const updates = Array.from(results, (result) => checkedUpdate(result, length));
  if (updates.length === 0) throw new Error('cannot aggregate a round without updates');
  return updates;
}

function checkedUpdate(result: FitResult, length: number): FitResult {
  const { clinicId, numSamples, delta } = result;
  if (delta.length !== length) throw new Error(`update from ${clinicId} has ${delta.length} parameters, expected ${length}`);
  if (!(numSamples > 0)) throw new Error(`update from ${clinicId} has no samples to weight it by`);
  return result;
}

/** Every connected clinic trains: consortia are small, and each site's data counts. */
export function selectAllAvailable({ available }: RoundContext): FitPlan {
  return { clinics: [...available] };
}

/**
 * What every shipped strategy shares: every available clinic trains as it would alone. Subclasses
 * say how a round's updates become the next model.
 */
export abstract class EveryClinicTrains implements Strategy {
  abstract readonly name: string;
  abstract readonly needsIndividualUpdates: boolean;

  configureFit(round: RoundContext): FitPlan {
    return selectAllAvailable(round);
  }

  fitConfig(_round: number): FitConfig {
    return {};
  }

  abstract aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult;
  abstract serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null): AggregateResult;
}

/** `global` moved by `step`, parameter by parameter. */
export function stepBy(global: Float32Array, step: Float32Array): Float32Array {
  return global.map((w, i) => w + step[i]!);
}

/**
 * The common case: the round's step needs only the sample-weighted mean of the updates, so
 * `aggregate` is that mean followed by `serverStep`.
 */
export abstract class MeanStepStrategy extends EveryClinicTrains {
  readonly needsIndividualUpdates: boolean = false;

  aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult {
    return this.serverStep(global, weightedMeanDelta(results, global.length), state);
  }
}

/**
 * A strategy that must see each clinic's update (a median, Krum): it cannot run where only the mean
 * is known, so the study configuration refuses it under encryption or secure aggregation.
 */
export abstract class IndividualUpdateStrategy extends EveryClinicTrains {
  readonly needsIndividualUpdates: boolean = true;

  /** The next global model: the global one plus the robust combination of the round's updates. */
  aggregate(results: Iterable<FitResult>, global: Float32Array, _state: StrategyState | null): AggregateResult {
    return { parameters: stepBy(global, this.combine(collectUpdates(results, global.length), global.length)), state: null };
  }

  serverStep(): AggregateResult {
    throw new Error(`${this.name} needs each clinic's update and cannot step from their mean alone`);
  }

  /** The round's step from its updates (at least one, each of `length` parameters). */
  protected abstract combine(updates: readonly FitResult[], length: number): Float32Array;
}

/**
 * A step computed coordinate by coordinate from the updates' values there, sorted ascending (a
 * median, a trimmed mean): `reduce` gets one reused buffer per coordinate.
 */
export function coordinateWise(updates: readonly FitResult[], length: number, reduce: (sorted: Float64Array) => number): Float32Array {
  const values = new Float64Array(updates.length);
  const step = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    updates.forEach(({ delta }, k) => (values[k] = delta[i]!));
    step[i] = reduce(values.sort());
  }
  return step;
}
