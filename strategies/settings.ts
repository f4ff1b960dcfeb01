import { closestKey } from '../common/closest-key.js';

/** The values a setting accepts, and how an error states them. */
export interface ValueRange {
  /** What a value must be, as a noun phrase: e.g. `a number > 0`, `an integer >= 0`. */
  readonly text: string;
  allows(value: number): boolean;
}

export const POSITIVE: ValueRange = { text: 'a number > 0', allows: (value) => value > 0 };
export const NON_NEGATIVE: ValueRange = { text: 'a number >= 0', allows: (value) => value >= 0 };
export const NON_NEGATIVE_INTEGER: ValueRange = { text: 'an integer >= 0', allows: (value) => Number.isInteger(value) && value >= 0 };
export const POSITIVE_INTEGER: ValueRange = { text: 'an integer >= 1', allows: (value) => Number.isInteger(value) && value >= 1 };
/** A fraction cut from each end of a sorted list: half or more would leave nothing. */
export const FRACTION_BELOW_HALF: ValueRange = { text: 'a number in [0, 0.5)', allows: (value) => value >= 0 && value < 0.5 };
/** Decay rates of moment estimates: 0 keeps no memory, 1 would never move. */
export const DECAY_RATE: ValueRange = { text: 'a number in [0, 1)', allows: (value) => value >= 0 && value < 1 };

/** One numeric setting of a strategy. */
export interface SettingSpec {
  /** What it does, in a line (shown in docs and help). */
  readonly summary: string;
  /** The value a study gets when it does not set it. */
  readonly default: number;
  readonly range: ValueRange;
}

export type SettingSpecs = Readonly<Record<string, SettingSpec>>;
export type SettingsOf<S extends SettingSpecs> = { readonly [K in keyof S]: number };

/** A strategy configuration that cannot be used; `problems` name each field that is wrong. */
export class StrategyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid strategy: ${problems.join('; ')}`);
    this.name = 'StrategyConfigError';
  }
}

/**
 * Reads a strategy's settings from `raw` (its `name` aside): each given one checked against its
 * range, every other at its default. Throws {@link StrategyConfigError} listing every problem: an
 * unknown field, a value that is not a finite number, a value out of range.
 */
export function parseSettings<S extends SettingSpecs>(strategy: string, specs: S, raw: Readonly<Record<string, unknown>>): SettingsOf<S> {
  const problems: string[] = [];
  const known = Object.keys(specs);
  for (const key of Object.keys(raw)) {
    if (key !== 'name' && !Object.hasOwn(specs, key)) {
      const closest = closestKey(key, known);
      problems.push(
        `${key} is not a setting of ${strategy} (its settings: ${known.length > 0 ? known.join(', ') : 'none'})${closest === undefined ? '' : `, did you mean ${closest}?`}`,
      );
    }
  }
  const settings: Record<string, number> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = raw[key];
    if (value === undefined || value === null) {
      // JSON has no undefined: null is how a client says "not set".
      settings[key] = spec.default;
    } else if (typeof value !== 'number' || !Number.isFinite(value) || !spec.range.allows(value)) {
      problems.push(`${key} must be ${spec.range.text}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
    } else {
      settings[key] = value;
    }
  }
  if (problems.length > 0) throw new StrategyConfigError(problems);
  return settings as SettingsOf<S>;
}
