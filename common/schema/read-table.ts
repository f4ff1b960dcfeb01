import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { schemaColumnKinds, type ColumnKind } from './columns.js';
import { CsvSyntaxError, parseCsv, type CsvRecord } from './csv.js';
import { decodeCell } from './decode.js';
import type { ClinicMapping, Exclusion, TablePurpose } from './mapping.js';
import type { StudySchema } from './study-schema.js';

/** A survival outcome: follow-up time (> 0) and 1 for the event of interest, 0 for censored. */
export interface SurvivalOutcome {
  time: number;
  event: 0 | 1;
}

/** One patient, encoded. */
export interface TableRow {
  /** 1-based physical line of the record in the file. */
  line: number;
  /** Features in schemaFeatureOrder; NaN where a value is missing and its policy imputes it later. */
  x: number[];
  /** Binary or multiclass: the level's index. Regression: the value. Survival: time and event. */
  target: number | SurvivalOutcome;
  /** 0 control, 1 treated; only when the schema has a treatment. */
  treatment?: 0 | 1;
  /** Subgroup name to level. */
  subgroups: Record<string, string>;
}

/** One thing wrong with the file; `message` is the whole sentence, naming file, line, column and value. */
export interface RowProblem {
  file: string;
  line: number;
  /** The clinic's column header, or '' when the problem is the whole record. */
  column: string;
  value: string;
  message: string;
}

/** All rows or none: a table with any problem returns only the problems, so no study trains on part of a file. */
export type TableResult = { ok: true; rows: TableRow[]; excluded: Exclusion[] } | { ok: false; problems: RowProblem[] };

type Values = Map<string, number | string | undefined>;

interface Context {
  purpose: TablePurpose;
  file: string;
  schema: StudySchema;
  mapping: ClinicMapping;
  kinds: Map<string, ColumnKind>;
  /** Schema column to its index in the header; a column the header lacks is absent. */
  index: Map<string, number>;
  problems: RowProblem[];
}

/** Records a problem; `value` undefined when the problem is not about a cell's text (a header, a whole record). */
function problem(ctx: Context, line: number, name: string | undefined, value: string | undefined, what: string): void {
  const local = name === undefined ? '' : ctx.mapping.columns.get(name)!;
  const where = name === undefined ? '' : local === name ? `, column "${local}"` : `, column "${local}" (${name})`;
  const subject = value === undefined ? '' : ` "${value}"`;
  ctx.problems.push({ file: ctx.file, line, column: local, value: value ?? '', message: `${ctx.file} line ${line}${where}:${subject} ${what}` });
}

/** Finds each mapped column in the header; a missing or doubled header is a problem on the header's line. */
function indexHeader(ctx: Context, header: CsvRecord): void {
  for (const [name, local] of ctx.mapping.columns) {
    const at = header.cells.flatMap((cell, i) => (cell === local ? [i] : []));
    // New patients have no arm yet: for prediction the treatment column may be left out (control).
    const optional = ctx.purpose === 'prediction' && name === ctx.schema.treatment?.column;
    if (at.length === 0 && optional) continue;
    if (at.length === 1) ctx.index.set(name, at[0]!);
    else if (at.length === 0) problem(ctx, header.line, name, undefined, `no such column in the header (header: ${header.cells.join(', ')})`);
    else problem(ctx, header.line, name, undefined, `appears ${at.length} times in the header`);
  }
}

/** Whether a missing value is allowed here: only features whose policy is not `refuse`. */
function missingProblem(ctx: Context, name: string): string | undefined {
  const feature = ctx.schema.features.find((f) => f.name === name);
  if (feature) return feature.missing === 'refuse' ? `is missing, and ${name}'s missing policy is refuse` : undefined;
  return 'is missing, and this column is required in every row';
}

function decodeRecord(ctx: Context, record: CsvRecord): Values | undefined {
  const values: Values = new Map();
  const before = ctx.problems.length;
  for (const [name, i] of ctx.index) {
    const text = record.cells[i]!;
    const cell = decodeCell(text, name, ctx.kinds.get(name)!, ctx.mapping.codes.get(name), ctx.mapping.missing);
    if ('problem' in cell) problem(ctx, record.line, name, text, cell.problem);
    else if ('value' in cell) values.set(name, cell.value);
    else {
      const refused = missingProblem(ctx, name);
      if (refused) problem(ctx, record.line, name, text, refused);
      else values.set(name, undefined);
    }
  }
  return ctx.problems.length === before ? values : undefined;
}

function encodeFeatures(schema: StudySchema, values: Values): number[] {
  const x: number[] = [];
  for (const f of schema.features) {
    const v = values.get(f.name);
    if (f.type === 'category') x.push(...f.levels!.slice(1).map((level) => (v === undefined ? NaN : v === level ? 1 : 0)));
    else x.push(v === undefined ? NaN : (v as number));
    if (f.missing === 'indicator') x.push(v === undefined ? 1 : 0);
  }
  return x;
}

function encodeTarget(schema: StudySchema, values: Values): number | SurvivalOutcome {
  if (schema.task !== 'survival') {
    const v = values.get(schema.target.column)!;
    return typeof v === 'string' ? schema.target.levels!.indexOf(v) : v;
  }
  const t = schema.target;
  const code = values.get(t.event) as number;
  // A competing event is either censoring (cause-specific analysis) or an event (any-event analysis), as the schema says.
  const event = t.eventCodes.includes(code) || (t.competingCodes.includes(code) && t.competing === 'event') ? 1 : 0;
  return { time: values.get(t.time) as number, event };
}

function encodeRow(schema: StudySchema, values: Values, line: number, purpose: TablePurpose): TableRow {
  const x = encodeFeatures(schema, values);
  // New patients have no outcome yet, and their arm (control unless mapped) is only a default.
  const target = purpose === 'training' ? encodeTarget(schema, values) : NaN;
  const row: TableRow = { line, x, target, subgroups: {} };
  if (schema.treatment) {
    row.treatment = values.get(schema.treatment.column) === schema.treatment.levels[1] ? 1 : 0;
    x.push(row.treatment);
  }
  if (purpose === 'training') for (const s of schema.subgroups) row.subgroups[s.name] = values.get(s.name) as string;
  return row;
}

function readRecords(ctx: Context, records: CsvRecord[], width: number): { rows: TableRow[]; excluded: Exclusion[] } {
  const excludedLines = new Map(ctx.mapping.exclude.map((e) => [e.line, e]));
  const rows: TableRow[] = [];
  const excluded: Exclusion[] = [];
  for (const record of records) {
    const exclusion = excludedLines.get(record.line);
    if (exclusion) {
      excluded.push(exclusion);
      continue;
    }
    if (record.cells.length !== width) {
      problem(ctx, record.line, undefined, undefined, `the record has ${record.cells.length} cells, the header has ${width}`);
      continue;
    }
    const values = decodeRecord(ctx, record);
    if (values && ctx.problems.length === 0) rows.push(encodeRow(ctx.schema, values, record.line, ctx.purpose));
  }
  for (const e of ctx.mapping.exclude) {
    if (!records.some((r) => r.line === e.line))
      problem(ctx, e.line, undefined, undefined, `the mapping excludes this line ("${e.reason}"), but no record starts on it`);
  }
  return { rows, excluded };
}

/**
 * Reads a clinic's CSV text as the study schema through the clinic's mapping. `file` names the file
 * in messages. Either every row, encoded, with the records the mapping excludes; or every problem.
 * `header` gives the column names of a file that has no header row (UCI's files): its first line
 * is then a record, and line numbers stay the file's own.
 */
export function readTable(text: string, file: string, schema: StudySchema, mapping: ClinicMapping, options: ReadOptions = {}): TableResult {
  const { header, purpose = 'training' } = options;
  const ctx: Context = { purpose, file, schema, mapping, kinds: schemaColumnKinds(schema), index: new Map(), problems: [] };
  let records: CsvRecord[];
  try {
    records = parseCsv(text, mapping.delimiter);
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    return { ok: false, problems: [{ file, line: error.line, column: '', value: '', message: `${file} line ${error.line}: ${error.message}` }] };
  }
  const [head, ...body] = header ? [{ line: 0, cells: [...header] }, ...records] : records;
  if (!head) return { ok: false, problems: [{ file, line: 1, column: '', value: '', message: `${file} line 1: no header row (the file is empty)` }] };
  indexHeader(ctx, head);
  const { rows, excluded } = readRecords(ctx, body, head.cells.length);
  return ctx.problems.length > 0 ? { ok: false, problems: ctx.problems } : { ok: true, rows, excluded };
}

/** How to read a table: `header` names the columns of a file without a header row; `purpose` (default training) what it is read for. */
export interface ReadOptions {
  header?: readonly string[];
  purpose?: TablePurpose;
}

/** readTable on a file, named in messages by its base name. The only function here that does I/O. */
export async function readTableFile(path: string, schema: StudySchema, mapping: ClinicMapping, options: ReadOptions = {}): Promise<TableResult> {
  return readTable(await readFile(path, 'utf8'), basename(path), schema, mapping, options);
}

/** Every problem on a line of its own, for a terminal or a log. */
export function formatProblems(problems: readonly RowProblem[]): string {
  return problems.map((p) => p.message).join('\n');
}
