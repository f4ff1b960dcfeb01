/**
 * Federated strategies: a pure package (flat float32 vectors in and out, no I/O) that the
 * coordinator and the clinics both run. A registry maps each name to its settings with their
 * defaults, a parser that fills them in and names every bad field, and a constructor.
 *
 * @example
 * const config = STRATEGIES.parse({ name: 'fedadam', serverLearningRate: 0.02 });
 * // { name: 'fedadam', serverLearningRate: 0.02, beta1: 0.9, tau: 1e-8, beta2: 0.999 }
 * const strategy = STRATEGIES.create(config);
 * const { clinics } = strategy.configureFit({ round: 1, available: ['va', 'cleveland'] });
 * const next = strategy.aggregate([{ clinicId: 'va', numSamples: 85, delta }], global, null); // plain rounds
 * const same = strategy.serverStep(global, meanDelta, null); // where only the mean is known (he, secagg)
 *
 * Adding a strategy: one file defining it with `defineStrategy` (its settings, defaults, ranges and
 * constructor; extend `MeanStepStrategy` when the weighted mean suffices), its test file, and one
 * line in registered.ts.
 */
import type { ModelSpec } from '../common/model-spec.js';
import { STRATEGIES } from './registry.js';
import type { Strategy, StrategyConfig } from './strategy.js';
import { WithFeatureStatistics } from './with-statistics.js';

export type { AggregateResult, FitConfig, FitPlan, FitResult, RoundContext, Strategy, StrategyConfig, StrategyState } from './strategy.js';
export { MeanStepStrategy, selectAllAvailable, weightedMeanDelta } from './aggregate.js';
export { defineStrategy, type StrategyDefinition } from './definition.js';
export { StrategyRegistry, STRATEGIES } from './registry.js';
export { DECAY_RATE, NON_NEGATIVE, POSITIVE, StrategyConfigError, type SettingSpec, type SettingSpecs, type ValueRange } from './settings.js';
export { FedAvg } from './fedavg.js';
export { FedOpt } from './fedopt.js';
export { WithFeatureStatistics } from './with-statistics.js';

/** The names of the shipped strategies, sorted. */
export const STRATEGY_NAMES: readonly string[] = STRATEGIES.names;

/** The shipped strategy a configuration names (missing settings at their defaults). */
export function createStrategy(config: StrategyConfig): Strategy {
  return STRATEGIES.create(config);
}

/** The strategy that aggregates a study's model: its own, wrapped to fill the model's feature-statistics block if it has one. */
export function studyStrategy(config: StrategyConfig, model: Pick<ModelSpec, 'statistics'>): Strategy {
  const strategy = createStrategy(config);
  return model.statistics ? new WithFeatureStatistics(strategy, model.statistics) : strategy;
}
