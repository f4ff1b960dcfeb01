/**
 * A study's strategy between its stored form (strategies/) and the tasks' StrategySpec
 * (protos/cohort/v1/federation.proto), for the coordinator and the node alike. Every setting travels
 * in `settings`; the four fields older nodes read are filled too, and read when `settings` is empty
 * (a task from a coordinator that predates it).
 */
import { STRATEGIES, type StrategyConfig, type StrategyRegistry } from '../strategies/index.js';
import type { StrategySpec, StrategySpec__Output } from '../protos/generated/cohort/v1/StrategySpec.js';

const LEGACY_FIELDS = ['serverLearningRate', 'beta1', 'beta2', 'tau'] as const;

export function strategyToWire(config: StrategyConfig): StrategySpec {
  const settings: Record<string, number> = {};
  for (const [key, value] of Object.entries(config)) if (typeof value === 'number') settings[key] = value;
  const legacy = Object.fromEntries(LEGACY_FIELDS.filter((key) => key in settings).map((key) => [key, settings[key]]));
  return { name: config.name, ...legacy, settings };
}

/** The strategy a task names, every setting it leaves out at its default; throws naming a bad one. */
export function strategyFromWire(spec: StrategySpec__Output, registry: StrategyRegistry = STRATEGIES): StrategyConfig {
  const given = spec.settings ?? {};
  if (Object.keys(given).length > 0) return registry.parse({ ...given, name: spec.name });
  // Zero in a legacy field means "the strategy's default"; a field the strategy lacks is ignored as older nodes did.
  const known = registry.definition(spec.name).settings;
  const legacy = Object.fromEntries(LEGACY_FIELDS.filter((key) => key in known && spec[key] > 0).map((key) => [key, spec[key]]));
  return registry.parse({ ...legacy, name: spec.name });
}
