import { didYouMean } from './closest-key.js';
import { durationProblem, type DurationBounds } from './durations.js';

/** A JSON object as parsed, before its fields are checked. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads optional typed fields, recording a problem for each present field of the wrong type. It
 * remembers every key it was asked about, so that {@link FieldReader.refuseUnknown} can name the
 * keys nobody reads: a misspelt field (`"dp": { "epsilon": 0.5 }`) is refused, not silently
 * replaced by its default.
 */
export class FieldReader {
  /** Keys some reader asked about: the known fields of this object. */
  private readonly known = new Set<string>();
  /** Readers of nested objects, by key: their unknown keys are checked with this one's. */
  private readonly children = new Map<string, FieldReader>();

  constructor(
    private readonly raw: Json,
    private readonly problems: string[],
    private readonly prefix = '',
  ) {}

  /** Declares fields this object may hold whose reading depends on other fields: never refused as unknown. */
  allow(...keys: string[]): void {
    for (const key of keys) this.known.add(key);
  }

  /** Whether the field is present (even with a value of the wrong type). */
  has(key: string): boolean {
    this.known.add(key);
    return this.raw[key] !== undefined;
  }

  private read<T>(key: string, ok: (v: unknown) => boolean, expected: string): T | undefined {
    this.known.add(key);
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
    this.known.add(key);
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

  /**
   * The fields of object `key` (an empty one when absent), their problems prefixed with `key.`; its
   * unknown keys are refused with this object's. The same reader each time for the same key.
   */
  nested(key: string): FieldReader {
    let child = this.children.get(key);
    if (!child) {
      child = new FieldReader(this.object(key) ?? {}, this.problems, `${this.prefix}${key}.`);
      this.children.set(key, child);
    }
    return child;
  }

  /** Object `key` as it is: whoever takes it checks its fields (a strategy's settings, a schema). */
  object(key: string): Json | undefined {
    return this.read(key, isObject, 'an object');
  }

  /**
   * Records a problem for every key of this object, and of the objects read through
   * {@link FieldReader.nested}, that no reader asked about, naming the closest known key (or the
   * known ones). Call it once every field has been read.
   */
  refuseUnknown(): void {
    const known = [...this.known];
    for (const key of Object.keys(this.raw)) {
      if (this.known.has(key)) continue;
      const hint = didYouMean(key, known, (k) => `${this.prefix}${k}`);
      this.problems.push(`${this.prefix}${key} is not a known field${hint || ` (known: ${known.join(', ')})`}`);
    }
    for (const child of this.children.values()) child.refuseUnknown();
  }
}
