import { durationProblem, type DurationBounds } from './durations.js';

/** A JSON object as parsed, before its fields are checked. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads optional typed fields, recording a problem for each present field of the wrong type. */
export class FieldReader {
  constructor(
    private readonly raw: Json,
    private readonly problems: string[],
    private readonly prefix = '',
  ) {}

  /** Whether the field is present (even with a value of the wrong type). */
  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  private read<T>(key: string, ok: (v: unknown) => boolean, expected: string): T | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (!ok(value)) {
      this.problems.push(`${this.prefix}${key} must be ${expected}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value as T;
  }

  string(key: string): string | undefined {
    return this.read(key, (v) => typeof v === 'string' && v.length > 0, 'a non-empty string');
  }

  integer(key: string, min: number): number | undefined {
    return this.read(key, (v) => Number.isInteger(v) && (v as number) >= min, `an integer >= ${min}`);
  }

  positive(key: string): number | undefined {
    return this.read(key, (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a positive number');
  }

  /** A duration in the unit of `bounds`, within them; out of bounds, the problem names the field, the bounds and the value. */
  duration(key: string, bounds: DurationBounds): number | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    const problem = durationProblem(`${this.prefix}${key}`, value, bounds);
    if (problem === null) return value as number;
    this.problems.push(problem);
    return undefined;
  }

  integerList(key: string): number[] | undefined {
    return this.read(key, (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x > 0), 'a list of positive integers');
  }

  numberList(key: string): number[] | undefined {
    return this.read(key, (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)), 'a list of numbers');
  }

  /** The fields of object `key` (an empty one when absent), their problems prefixed with `key.`. */
  nested(key: string): FieldReader {
    return new FieldReader(this.object(key) ?? {}, this.problems, `${this.prefix}${key}.`);
  }

  object(key: string): Json | undefined {
    return this.read(key, isObject, 'an object');
  }
}
