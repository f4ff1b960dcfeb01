import { parseSettings, type SettingSpecs, type SettingsOf } from './settings.js';
import type { Strategy, StrategyConfig } from './strategy.js';

/** What the registry knows of a strategy: its settings with their defaults, how to read them, how to build it. */
export interface StrategyDefinition {
  readonly name: string;
  /** One line for docs and help. */
  readonly summary: string;
  readonly settings: SettingSpecs;
  /** The configuration a study naming only this strategy gets: every setting at its default. */
  readonly defaults: StrategyConfig;
  /**
   * The effective configuration: the given settings checked, every other at its default. Throws
   * StrategyConfigError naming each unknown field and each value out of range.
   */
  parse(raw: Readonly<Record<string, unknown>>): StrategyConfig;
  /** The strategy for a configuration (parsed again, so defaults apply to a partial one). */
  create(config: StrategyConfig): Strategy;
}

/** A strategy's definition from its setting specs and a constructor taking every setting. */
export function defineStrategy<S extends SettingSpecs>(definition: {
  name: string;
  summary: string;
  settings: S;
  create(settings: SettingsOf<S>): Strategy;
}): StrategyDefinition {
  const { name, summary, settings } = definition;
  const parse = (raw: Readonly<Record<string, unknown>>): StrategyConfig => ({ name, ...parseSettings(name, settings, raw) });
  return {
    name,
    summary,
    settings,
    defaults: parse({}),
    parse,
    create: (config) => definition.create(parseSettings(name, settings, config)),
  };
}
