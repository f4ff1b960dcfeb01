import { codeValueProblem, schemaColumnKinds, type ColumnKind } from './columns.js';
import { at, isObject, Problems, SchemaError, show } from './problems.js';
import type { StudySchema } from './study-schema.js';

/** A record a clinic leaves out on purpose, with why; reported back, never dropped in silence. */
export interface Exclusion {
  /** 1-based physical line of the record in the CSV file (line 1 is the header). */
  line: number;
  reason: string;
}

/** What a clinic's local code in a CSV cell stands for: a schema level, a number, or a boolean. */
export type CodeValue = string | number | boolean;

/** How one clinic's CSV file reads as the study schema: its column names, its codes, its missing-value tokens. */
export interface ClinicMapping {
  /** Schema column name to the clinic's column header. */
  columns: ReadonlyMap<string, string>;
  /** Schema column name to (local code to schema value). */
  codes: ReadonlyMap<string, ReadonlyMap<string, CodeValue>>;
  /** Cell texts meaning "missing" (compared after trimming). */
  missing: readonly string[];
  delimiter: string;
  exclude: readonly Exclusion[];
}

export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'NA', '?'];
const MAPPING_KEYS = ['columns', 'codes', 'missing', 'delimiter', 'exclude'];

/**
 * What a table is read for. `training`: every column of the schema. `prediction` (applying an
 * exported model to new patients): only the features are needed; the treatment is read if mapped
 * (else control), and the outcome and subgroup columns a training mapping names are left unread.
 */
export type TablePurpose = 'training' | 'prediction';

function parseColumns(value: unknown, kinds: Map<string, ColumnKind>, required: ReadonlySet<string>, problems: Problems): Map<string, string> {
  const columns = new Map<string, string>();
  const raw = problems.object(value, 'columns');
  if (!raw) return columns;
  const known = [...kinds.keys()];
  for (const [name, local] of Object.entries(raw)) {
    if (local === undefined) continue; // reported below as unmapped
    if (!kinds.has(name)) {
      problems.add(at('columns', name), `not a column of the study schema (columns: ${known.join(', ')})`);
      continue;
    }
    const header = problems.string(local, at('columns', name))?.trim();
    if (header === undefined) continue;
    // Two schema columns read from one local column would make one cell count twice.
    const other = [...columns].find(([, h]) => h === header);
    if (other) problems.add(at('columns', name), `"${header}" is already the column of ${other[0]}`);
    columns.set(name, header);
  }
  for (const name of known)
    if (raw[name] === undefined && required.has(name))
      problems.add(at('columns', name), 'is required: every column of the study schema needs its local column');
  return columns;
}

function parseCodes(value: unknown, kinds: Map<string, ColumnKind>, problems: Problems): Map<string, Map<string, CodeValue>> {
  const codes = new Map<string, Map<string, CodeValue>>();
  if (value === undefined) return codes;
  const raw = problems.object(value, 'codes');
  if (!raw) return codes;
  for (const [name, table] of Object.entries(raw)) {
    const kind = kinds.get(name);
    if (!kind) {
      problems.add(at('codes', name), `not a column of the study schema (columns: ${[...kinds.keys()].join(', ')})`);
      continue;
    }
    const entries = problems.object(table, at('codes', name));
    if (!entries) continue;
    const map = new Map<string, CodeValue>();
    for (const [local, target] of Object.entries(entries)) {
      const problem = codeValueProblem(kind, target);
      if (problem) problems.add(at(at('codes', name), local), `${problem}, got ${show(target)}`);
      else map.set(local.trim(), target as CodeValue);
    }
    codes.set(name, map);
  }
  return codes;
}

function parseMissing(value: unknown, problems: Problems): string[] {
  if (value === undefined) return [...DEFAULT_MISSING_TOKENS];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v: string) => v.trim());
  problems.add('missing', `must be a list of strings (the cell texts meaning missing), got ${show(value)}`);
  return [];
}

function parseDelimiter(value: unknown, problems: Problems): string {
  if (value === undefined) return ',';
  if (typeof value === 'string' && value.length > 0 && !/["\r\n]/.test(value)) return value;
  problems.add('delimiter', `must be a non-empty string without quotes or line breaks, got ${show(value)}`);
  return ',';
}

function parseExclude(value: unknown, problems: Problems): Exclusion[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add('exclude', `must be a list of { line, reason }, got ${show(value)}`);
    return [];
  }
  const exclude: Exclusion[] = [];
  value.forEach((item, i) => {
    const path = at('exclude', i);
    const raw = problems.object(item, path);
    if (!raw) return;
    problems.unknownKeys(raw, path, ['line', 'reason']);
    const reason = problems.string(raw.reason, at(path, 'reason'));
    if (!Number.isInteger(raw.line) || (raw.line as number) < 2) {
      problems.add(at(path, 'line'), `must be a line number >= 2 (line 1 is the header), got ${show(raw.line)}`);
      return;
    }
    const line = raw.line as number;
    if (exclude.some((e) => e.line === line)) problems.add(at(path, 'line'), `line ${line} is excluded twice`);
    if (reason !== undefined) exclude.push({ line, reason });
  });
  return exclude;
}

/**
 * Checks a clinic's mapping file against the study schema: every schema column mapped to a local
 * column, every code mapping into a known level or code. Throws one SchemaError listing every problem.
 */
export function parseMapping(json: unknown, schema: StudySchema, purpose: TablePurpose = 'training'): ClinicMapping {
  if (!isObject(json)) throw new SchemaError('mapping', [`(top level): must be an object, got ${show(json)}`]);
  const problems = new Problems();
  problems.unknownKeys(json, '', MAPPING_KEYS);
  const kinds = schemaColumnKinds(schema);
  const features = new Set(schema.features.map((f) => f.name));
  const required = purpose === 'training' ? new Set(kinds.keys()) : features;
  const columns = parseColumns(json.columns, kinds, required, problems);
  // For prediction the outcome and subgroups are not read: a clinic's training mapping serves as it is.
  const read = (name: string) => purpose === 'training' || features.has(name) || name === schema.treatment?.column;
  const mapping: ClinicMapping = {
    columns: new Map([...columns].filter(([name]) => read(name))),
    codes: new Map([...parseCodes(json.codes, kinds, problems)].filter(([name]) => read(name))),
    missing: parseMissing(json.missing, problems),
    delimiter: parseDelimiter(json.delimiter, problems),
    exclude: parseExclude(json.exclude, problems),
  };
  if (problems.list.length > 0) throw new SchemaError('mapping', problems.list);
  return mapping;
}
