import type { StrategyDefinition } from './definition.js';
import * as registered from './registered.js';
import { StrategyConfigError } from './settings.js';
import type { Strategy, StrategyConfig } from './strategy.js';

/** Strategies by name: the one place a study's strategy configuration is read and its strategy built. */
export class StrategyRegistry {
  private readonly definitions = new Map<string, StrategyDefinition>();

  constructor(definitions: Iterable<StrategyDefinition>) {
    for (const definition of definitions) {
      if (this.definitions.has(definition.name)) throw new Error(`two strategies are named "${definition.name}"`);
      this.definitions.set(definition.name, definition);
    }
  }

  /** Every strategy's name, sorted. */
  get names(): string[] {
    return [...this.definitions.keys()].sort();
  }

  /** The definition of `name`; a StrategyConfigError naming the known ones if there is none. */
  definition(name: string): StrategyDefinition {
    const definition = this.definitions.get(name);
    if (!definition) throw new StrategyConfigError([`name "${name}" is unknown (known: ${this.names.join(', ')})`]);
    return definition;
  }

  /**
   * The effective configuration of `raw` (an object with the strategy's `name` and any of its
   * settings), every default filled in; a StrategyConfigError listing each problem by field.
   */
  parse(raw: unknown): StrategyConfig {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StrategyConfigError([`must be an object, got ${JSON.stringify(raw)}`]);
    const { name } = raw as Record<string, unknown>;
    if (typeof name !== 'string') throw new StrategyConfigError([`name must be one of ${this.names.join(', ')}, got ${JSON.stringify(name)}`]);
    return this.definition(name).parse(raw as Record<string, unknown>);
  }

  /** The strategy a configuration names, its missing settings at their defaults. */
  create(config: StrategyConfig): Strategy {
    return this.definition(config.name).create(config);
  }
}

/** The strategies Cohort ships (strategies/registered.ts lists them, one line each). */
export const STRATEGIES = new StrategyRegistry(Object.values(registered));
