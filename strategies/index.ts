/**
 * Aggregation strategies behind one small interface (configure, then aggregate).
 *
 * @example
 * const strategy = createStrategy({ name: 'fedadam', serverLearningRate: 0.01 });
 * const { parameters } = aggregateFit(strategy, global, [{ clinicId: 'va', numSamples: 85, delta }], null);
 * const next = strategy.serverStep(global, meanDelta, state); // where only the mean is known (privacy he)
 */
import { FedAvg } from './fedavg.js';
import { FedOpt, type FedOptVariant } from './fedopt.js';
import type { Strategy, StrategyConfig } from './strategy.js';

export type { AggregateResult, FitPlan, FitResult, RoundContext, Strategy, StrategyConfig, StrategyState } from './strategy.js';
export { FedAvg } from './fedavg.js';
export { FedOpt } from './fedopt.js';
export { aggregateFit, weightedMeanDelta } from './aggregate.js';

export const STRATEGY_NAMES = ['fedavg', 'fedadam', 'fedyogi', 'fedadagrad'] as const;

export function createStrategy(config: StrategyConfig): Strategy {
  if (config.name === 'fedavg') return new FedAvg(config.serverLearningRate ?? 1);
  if ((STRATEGY_NAMES as readonly string[]).includes(config.name)) {
    return new FedOpt(config.name as FedOptVariant, config);
  }
  throw new Error(`unknown strategy "${config.name}" (known: ${STRATEGY_NAMES.join(', ')})`);
}
