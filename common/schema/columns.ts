import type { StudySchema } from './study-schema.js';

/** What a schema column's cells must hold once a clinic's codes are applied. */
export type ColumnKind =
  | { kind: 'number'; range?: [number, number]; positive?: true }
  | { kind: 'boolean' }
  | { kind: 'levels'; levels: readonly string[] }
  /** A binary target given as 0 and 1 (no levels in the schema). */
  | { kind: 'zero-one' }
  | { kind: 'event'; codes: readonly number[] };

/** Every column the schema reads, in a fixed order (features, target, treatment, subgroups not already features), with its kind. */
export function schemaColumnKinds(schema: StudySchema): Map<string, ColumnKind> {
  const kinds = new Map<string, ColumnKind>();
  for (const f of schema.features) {
    if (f.type === 'category') kinds.set(f.name, { kind: 'levels', levels: f.levels! });
    else if (f.type === 'boolean') kinds.set(f.name, { kind: 'boolean' });
    else kinds.set(f.name, f.range ? { kind: 'number', range: f.range } : { kind: 'number' });
  }
  if (schema.task === 'survival') {
    const t = schema.target;
    kinds.set(t.time, { kind: 'number', positive: true });
    kinds.set(t.event, { kind: 'event', codes: [...t.eventCodes, ...t.competingCodes, t.censoredCode] });
  } else if (schema.target.levels) {
    kinds.set(schema.target.column, { kind: 'levels', levels: schema.target.levels });
  } else {
    kinds.set(schema.target.column, schema.task === 'binary' ? { kind: 'zero-one' } : { kind: 'number' });
  }
  if (schema.treatment) kinds.set(schema.treatment.column, { kind: 'levels', levels: schema.treatment.levels });
  for (const s of schema.subgroups) if (!kinds.has(s.name)) kinds.set(s.name, { kind: 'levels', levels: s.levels });
  return kinds;
}

/** Whether a code's target value fits the column: `undefined` when it does, else what it should be. */
export function codeValueProblem(kind: ColumnKind, value: unknown): string | undefined {
  switch (kind.kind) {
    case 'levels':
      return typeof value === 'string' && kind.levels.includes(value) ? undefined : `must be one of the levels ${kind.levels.join(', ')}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'must be a finite number';
    case 'boolean':
      return value === true || value === false || value === 0 || value === 1 ? undefined : 'must be true, false, 0 or 1';
    case 'zero-one':
      return value === 0 || value === 1 ? undefined : 'must be 0 or 1';
    case 'event':
      return typeof value === 'number' && kind.codes.includes(value) ? undefined : `must be one of the event codes ${kind.codes.join(', ')}`;
  }
}
