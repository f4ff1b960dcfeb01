import { closestKey } from '../closest-key.js';

/** A JSON object as parsed, before its fields are checked. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `features` + `2` gives `features[2]`, `features[2]` + `name` gives `features[2].name`. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** JSON for a value in a message, short enough to read. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Every problem of one document, each naming its path: a file is fixed in one pass when all of its
 * mistakes are listed at once, not one per attempt.
 */
export class Problems {
  readonly list: string[] = [];

  add(path: string, message: string): void {
    this.list.push(`${path === '' ? '(top level)' : path}: ${message}`);
  }

  /** Records every key of `object` not in `known`; a misspelt optional key would otherwise be ignored in silence. */
  unknownKeys(object: JsonObject, path: string, known: readonly string[]): void {
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const closest = closestKey(key, known);
      this.add(at(path, key), `unknown key (known: ${known.join(', ')})${closest === undefined ? '' : `, did you mean ${closest}?`}`);
    }
  }

  /** The object at `path`, or undefined (with a problem) when it is something else. */
  object(value: unknown, path: string): JsonObject | undefined {
    if (isObject(value)) return value;
    this.add(path, `must be an object, got ${show(value)}`);
    return undefined;
  }

  /** A non-empty string, or undefined with a problem (absent counts as a problem). */
  string(value: unknown, path: string): string | undefined {
    if (typeof value === 'string' && value.trim() !== '') return value;
    this.add(path, value === undefined ? 'is required (a non-empty string)' : `must be a non-empty string, got ${show(value)}`);
    return undefined;
  }

  /** One of `choices`, or undefined with a problem. */
  choice<T extends string>(value: unknown, path: string, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    this.add(
      path,
      `${value === undefined ? 'is required, one of' : `must be one of`} ${choices.join(', ')}${value === undefined ? '' : `, got ${show(value)}`}`,
    );
    return undefined;
  }

  /** A list of at least `min` distinct non-empty strings, or undefined with a problem. */
  levels(value: unknown, path: string, min: number): string[] | undefined {
    const ok =
      Array.isArray(value) && value.length >= min && value.every((v) => typeof v === 'string' && v.trim() !== '') && new Set(value).size === value.length;
    if (ok) return value as string[];
    const what = min === 2 ? 'a list of at least two distinct strings' : 'a non-empty list of distinct strings';
    this.add(path, `must be ${what}${value === undefined ? '' : `, got ${show(value)}`}`);
    return undefined;
  }

  /** A list of distinct integers, or undefined with a problem. */
  integers(value: unknown, path: string): number[] | undefined {
    if (Array.isArray(value) && value.every((v) => Number.isInteger(v)) && new Set(value).size === value.length) return value as number[];
    this.add(path, `must be a list of distinct integers, got ${show(value)}`);
    return undefined;
  }
}

/** A study schema or mapping file that does not hold up; `problems` lists every mistake, each with its path. */
export class SchemaError extends Error {
  constructor(
    what: string,
    readonly problems: readonly string[],
  ) {
    super(`${what} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'SchemaError';
  }
}
