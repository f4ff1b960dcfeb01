import { at, isObject, Problems, SchemaError, show, type JsonObject } from './problems.js';

export const TASKS = ['binary', 'multiclass', 'regression', 'survival'] as const;
export const FEATURE_TYPES = ['number', 'category', 'boolean'] as const;
export const MISSING_POLICIES = ['refuse', 'impute-mean', 'impute-mode', 'indicator'] as const;

export type Task = (typeof TASKS)[number];
export type FeatureType = (typeof FEATURE_TYPES)[number];
/** What a missing value becomes: a refused row, NaN filled later with a mean or mode, or NaN plus a `<name>:missing` column. */
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

export interface Feature {
  name: string;
  type: FeatureType;
  unit?: string;
  /** Inclusive bounds of a number feature; a value outside is a row problem. */
  range?: [number, number];
  /** A category's levels; the first is the reference, dropped by the one-hot encoding. */
  levels?: string[];
  missing: MissingPolicy;
}

/** The outcome of a binary, multiclass or regression study. */
export interface LabelTarget {
  column: string;
  /** Binary: exactly two, the first encoded 0 (negative). Multiclass: at least two, encoded 0, 1, ... Absent for regression. */
  levels?: string[];
}

/** The outcome of a survival study: a follow-up time and an event code per patient. */
export interface SurvivalTarget {
  time: string;
  event: string;
  /** Codes of the event of interest (default [1]). */
  eventCodes: number[];
  /** Codes of competing events (default none). */
  competingCodes: number[];
  /** How a competing event is counted; required when there are competing codes. */
  competing?: 'censored' | 'event';
  /** The code of a censored follow-up (default 0). */
  censoredCode: number;
}

/** A two-level column, encoded 0 for `levels[0]` (control) and 1 for `levels[1]` (treated). */
export interface Treatment {
  column: string;
  levels: [string, string];
}

/** A category column read for subgroup analyses; a feature only if `features` lists it as well. */
export interface Subgroup {
  name: string;
  levels: string[];
}

interface SchemaCommon {
  features: Feature[];
  treatment?: Treatment;
  subgroups: Subgroup[];
  /** Subgroups with fewer patients than this are not reported (default 10). */
  minSubgroupSize: number;
}

export type StudySchema =
  (SchemaCommon & { task: 'binary' | 'multiclass' | 'regression'; target: LabelTarget }) | (SchemaCommon & { task: 'survival'; target: SurvivalTarget });

const SCHEMA_KEYS = ['task', 'features', 'target', 'treatment', 'subgroups', 'minSubgroupSize'];
const FEATURE_KEYS = ['name', 'type', 'unit', 'range', 'levels', 'missing'];
const LABEL_KEYS = ['column', 'levels'];
const SURVIVAL_KEYS = ['time', 'event', 'eventCodes', 'competingCodes', 'competing', 'censoredCode'];

function parseRange(value: unknown, path: string, problems: Problems): [number, number] | undefined {
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) && value[0] <= value[1]) {
    return [value[0], value[1]];
  }
  problems.add(path, `must be [min, max] with finite numbers and min <= max, got ${show(value)}`);
  return undefined;
}

/** The type-specific fields of a feature: levels for categories only, a range for numbers only, a policy that fits the type. */
function checkFeatureFields(raw: JsonObject, feature: Feature, path: string, problems: Problems): void {
  if (feature.type === 'category') {
    feature.levels = problems.levels(raw.levels, at(path, 'levels'), 1);
  } else if (raw.levels !== undefined) {
    problems.add(at(path, 'levels'), `only category features have levels (this one is ${feature.type})`);
  }
  if (raw.range !== undefined) {
    if (feature.type === 'number') feature.range = parseRange(raw.range, at(path, 'range'), problems);
    else problems.add(at(path, 'range'), `only number features have a range (this one is ${feature.type})`);
  }
  if (raw.unit !== undefined) feature.unit = problems.string(raw.unit, at(path, 'unit'));
  if (feature.missing === 'impute-mean' && feature.type !== 'number') {
    problems.add(at(path, 'missing'), `impute-mean needs a number feature (this one is ${feature.type}); use impute-mode`);
  }
}

function parseFeature(value: unknown, path: string, problems: Problems): Feature | undefined {
  const raw = problems.object(value, path);
  if (!raw) return undefined;
  problems.unknownKeys(raw, path, FEATURE_KEYS);
  const name = problems.string(raw.name, at(path, 'name'));
  const type = problems.choice(raw.type, at(path, 'type'), FEATURE_TYPES);
  const missing = raw.missing === undefined ? 'refuse' : problems.choice(raw.missing, at(path, 'missing'), MISSING_POLICIES);
  if (name === undefined || type === undefined || missing === undefined) return undefined;
  const feature: Feature = { name, type, missing };
  checkFeatureFields(raw, feature, path, problems);
  return feature;
}

function parseFeatures(value: unknown, problems: Problems): Feature[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.add('features', `must be a non-empty list of features${value === undefined ? '' : `, got ${show(value)}`}`);
    return [];
  }
  const features: Feature[] = [];
  value.forEach((item, i) => {
    const feature = parseFeature(item, at('features', i), problems);
    if (!feature) return;
    const first = features.findIndex((f) => f.name === feature.name);
    if (first >= 0) problems.add(at(at('features', i), 'name'), `"${feature.name}" is already the name of features[${first}]`);
    features.push(feature);
  });
  return features;
}

function parseLabelTarget(raw: JsonObject, task: Task, problems: Problems): LabelTarget | undefined {
  problems.unknownKeys(raw, 'target', LABEL_KEYS);
  const column = problems.string(raw.column, 'target.column');
  let levels: string[] | undefined;
  if (task === 'regression') {
    if (raw.levels !== undefined) problems.add('target.levels', 'a regression target has no levels');
  } else if (task === 'binary' && raw.levels !== undefined) {
    levels = problems.levels(raw.levels, 'target.levels', 2);
    if (levels && levels.length !== 2) problems.add('target.levels', `a binary target has exactly two levels (negative first), got ${levels.length}`);
  } else if (task === 'multiclass') {
    levels = problems.levels(raw.levels, 'target.levels', 2);
  }
  if (column === undefined) return undefined;
  return levels === undefined ? { column } : { column, levels };
}

/** Codes of a survival target: event, competing and censored codes are integers and never overlap. */
function parseSurvivalCodes(raw: JsonObject, problems: Problems): Omit<SurvivalTarget, 'time' | 'event'> {
  const eventCodes = raw.eventCodes === undefined ? [1] : problems.integers(raw.eventCodes, 'target.eventCodes');
  if (eventCodes && eventCodes.length === 0) problems.add('target.eventCodes', 'must name at least one code');
  const competingCodes = raw.competingCodes === undefined ? [] : problems.integers(raw.competingCodes, 'target.competingCodes');
  let censoredCode = 0;
  if (raw.censoredCode !== undefined) {
    if (Number.isInteger(raw.censoredCode)) censoredCode = raw.censoredCode as number;
    else problems.add('target.censoredCode', `must be an integer, got ${show(raw.censoredCode)}`);
  }
  const codes: Omit<SurvivalTarget, 'time' | 'event'> = { eventCodes: eventCodes ?? [1], competingCodes: competingCodes ?? [], censoredCode };
  if (raw.competing !== undefined) codes.competing = problems.choice(raw.competing, 'target.competing', ['censored', 'event'] as const);
  if (codes.competingCodes.length > 0 && raw.competing === undefined) {
    problems.add('target.competing', 'is required with competingCodes: "censored" (cause-specific) or "event" (any event)');
  }
  if (codes.competingCodes.length === 0 && raw.competing !== undefined) problems.add('target.competing', 'only means something with competingCodes');
  const overlap = codes.eventCodes.filter((c) => codes.competingCodes.includes(c));
  if (overlap.length > 0) problems.add('target.competingCodes', `${overlap.join(', ')} also in eventCodes`);
  if ([...codes.eventCodes, ...codes.competingCodes].includes(censoredCode)) {
    problems.add('target.censoredCode', `${censoredCode} is also an event or competing code`);
  }
  return codes;
}

function parseSurvivalTarget(raw: JsonObject, problems: Problems): SurvivalTarget | undefined {
  problems.unknownKeys(raw, 'target', SURVIVAL_KEYS);
  const time = problems.string(raw.time, 'target.time');
  const event = problems.string(raw.event, 'target.event');
  const codes = parseSurvivalCodes(raw, problems);
  if (time === undefined || event === undefined) return undefined;
  return { time, event, ...codes };
}

function parseTreatment(value: unknown, problems: Problems): Treatment | undefined {
  const raw = problems.object(value, 'treatment');
  if (!raw) return undefined;
  problems.unknownKeys(raw, 'treatment', ['column', 'levels']);
  const column = problems.string(raw.column, 'treatment.column');
  const levels = problems.levels(raw.levels, 'treatment.levels', 2);
  if (levels && levels.length !== 2) problems.add('treatment.levels', `must be exactly [control, treated], got ${levels.length} levels`);
  if (column === undefined || levels === undefined || levels.length !== 2) return undefined;
  return { column, levels: [levels[0]!, levels[1]!] };
}

function parseSubgroups(value: unknown, features: Feature[], problems: Problems): Subgroup[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.add('subgroups', `must be a list of { name, levels }, got ${show(value)}`);
    return [];
  }
  const subgroups: Subgroup[] = [];
  value.forEach((item, i) => {
    const path = at('subgroups', i);
    const raw = problems.object(item, path);
    if (!raw) return;
    problems.unknownKeys(raw, path, ['name', 'levels']);
    const name = problems.string(raw.name, at(path, 'name'));
    const levels = problems.levels(raw.levels, at(path, 'levels'), 1);
    if (name === undefined || levels === undefined) return;
    if (subgroups.some((s) => s.name === name)) problems.add(at(path, 'name'), `"${name}" is listed twice`);
    // A subgroup that is also a feature is one CSV column: both must read it the same way.
    const feature = features.find((f) => f.name === name);
    if (feature && (feature.type !== 'category' || feature.levels?.join('\u0000') !== levels.join('\u0000'))) {
      problems.add(at(path, 'levels'), `"${name}" is also a feature, so it must be a category with the same levels in the same order`);
    }
    subgroups.push({ name, levels });
  });
  return subgroups;
}

/** The CSV columns a schema reads, by role; a column has one role (a subgroup may also be a feature). */
export function schemaColumns(schema: StudySchema): string[] {
  const target = schema.task === 'survival' ? [schema.target.time, schema.target.event] : [schema.target.column];
  const columns = [...schema.features.map((f) => f.name), ...target];
  if (schema.treatment) columns.push(schema.treatment.column);
  for (const s of schema.subgroups) if (!columns.includes(s.name)) columns.push(s.name);
  return columns;
}

function checkDistinctColumns(schema: StudySchema, problems: Problems): void {
  const seen = new Set<string>();
  const target = schema.task === 'survival' ? [schema.target.time, schema.target.event] : [schema.target.column];
  for (const name of [...schema.features.map((f) => f.name), ...target, ...(schema.treatment ? [schema.treatment.column] : [])]) {
    if (seen.has(name)) problems.add('target', `column "${name}" has two roles (feature, target or treatment); each column has one`);
    seen.add(name);
  }
  schema.subgroups.forEach((s, i) => {
    if (seen.has(s.name) && !schema.features.some((f) => f.name === s.name)) {
      problems.add(at(at('subgroups', i), 'name'), `"${s.name}" is the target or treatment column; a subgroup is a feature or a column of its own`);
    }
  });
}

function parseMinSubgroupSize(value: unknown, problems: Problems): number {
  if (value === undefined) return 10;
  if (Number.isInteger(value) && (value as number) >= 1) return value as number;
  problems.add('minSubgroupSize', `must be an integer >= 1, got ${show(value)}`);
  return 10;
}

/**
 * Checks a study schema as parsed from JSON. Throws one SchemaError listing every problem, each
 * with its path (`features[2].levels: ...`), so a coordinator's author fixes the file in one pass.
 */
export function parseStudySchema(json: unknown): StudySchema {
  const problems = new Problems();
  if (!isObject(json)) throw new SchemaError('study schema', [`(top level): must be an object, got ${show(json)}`]);
  problems.unknownKeys(json, '', SCHEMA_KEYS);
  const task = problems.choice(json.task, 'task', TASKS);
  const features = parseFeatures(json.features, problems);
  const rawTarget = problems.object(json.target, 'target');
  let target: LabelTarget | SurvivalTarget | undefined;
  if (rawTarget && task) target = task === 'survival' ? parseSurvivalTarget(rawTarget, problems) : parseLabelTarget(rawTarget, task, problems);
  const treatment = json.treatment === undefined ? undefined : parseTreatment(json.treatment, problems);
  const subgroups = parseSubgroups(json.subgroups, features, problems);
  const minSubgroupSize = parseMinSubgroupSize(json.minSubgroupSize, problems);
  if (problems.list.length > 0 || task === undefined || target === undefined) throw new SchemaError('study schema', problems.list);
  const schema = { task, features, target, subgroups, minSubgroupSize, ...(treatment ? { treatment } : {}) } as StudySchema;
  checkDistinctColumns(schema, problems);
  if (problems.list.length > 0) throw new SchemaError('study schema', problems.list);
  return schema;
}

/**
 * Names of the encoded feature columns, in the order of each row's `x`: a number or boolean is one
 * column; a category is one-hot without its first level (`<name>=<level>`); the `indicator` policy
 * adds `<name>:missing` right after the feature's columns; the treatment, when there is one, comes last.
 */
export function schemaFeatureOrder(schema: StudySchema): string[] {
  const order: string[] = [];
  for (const f of schema.features) {
    if (f.type === 'category') order.push(...f.levels!.slice(1).map((level) => `${f.name}=${level}`));
    else order.push(f.name);
    if (f.missing === 'indicator') order.push(`${f.name}:missing`);
  }
  if (schema.treatment) order.push('treatment');
  return order;
}
