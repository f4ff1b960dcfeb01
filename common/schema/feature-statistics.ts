import type { StudySchema } from './study-schema.js';

/*
 * Federated preprocessing. Each clinic summarises its own training records as a block of per-record
 * means: for every encoded column (schemaFeatureOrder) the mean of value/scale over its records, the
 * mean of (value/scale)^2, and the share of records where the value is present (missing counts 0 in
 * all three), then a flag of 1. A weighted mean of the clinics' blocks, weights their record counts,
 * is the same block over the pooled records: it travels as part of the model vector, combined by
 * the study's protocol (plain, secure sum, CKKS) like any update, so no one sees a site's block
 * unless the study's privacy mode shows updates. A number feature's scale is the larger bound of its
 * range, which keeps every value within [-1, 1] for secure aggregation's fixed point; else 1.
 */

/** What preprocessing does to one encoded column. */
export type ColumnRole = 'number' | 'boolean' | 'level' | 'indicator' | 'treatment';

export interface EncodedColumn {
  /** As in schemaFeatureOrder: `age`, `sex=female`, `albumin:missing`, `treatment`. */
  name: string;
  /** The schema feature it comes from (`treatment` for the treatment column). */
  feature: string;
  role: ColumnRole;
  /** Values are divided by it before their moments are taken. */
  scale: number;
}

/** The consortium's statistics per encoded column, in schemaFeatureOrder. */
export interface FeatureStatistics {
  columns: string[];
  /** Mean over the records where the column has a value. */
  mean: number[];
  /** Population standard deviation over the same records (0 when constant). */
  sd: number[];
  /** Share of records with a value, 0 to 1. */
  observed: number[];
}

/** The encoded columns of a schema, with their role and scale, in schemaFeatureOrder. */
export function encodedColumns(schema: StudySchema): EncodedColumn[] {
  const columns: EncodedColumn[] = [];
  for (const f of schema.features) {
    if (f.type === 'category') {
      for (const level of f.levels!.slice(1)) columns.push({ name: `${f.name}=${level}`, feature: f.name, role: 'level', scale: 1 });
    } else {
      const scale = f.type === 'number' && f.range ? Math.max(Math.abs(f.range[0]), Math.abs(f.range[1])) || 1 : 1;
      columns.push({ name: f.name, feature: f.name, role: f.type === 'number' ? 'number' : 'boolean', scale });
    }
    if (f.missing === 'indicator') columns.push({ name: `${f.name}:missing`, feature: f.name, role: 'indicator', scale: 1 });
  }
  if (schema.treatment) columns.push({ name: 'treatment', feature: 'treatment', role: 'treatment', scale: 1 });
  return columns;
}

/** Values in a statistics block over `columns` encoded columns: three means per column and the flag. */
export function statisticsLength(columns: number): number {
  return 3 * columns + 1;
}

/** A clinic's block over its records (rows in schemaFeatureOrder, NaN where missing). */
export function localStatistics(columns: readonly EncodedColumn[], rows: readonly ArrayLike<number>[]): Float64Array {
  const d = columns.length;
  if (rows.length === 0) throw new Error('feature statistics need at least one record');
  const block = new Float64Array(statisticsLength(d));
  for (const row of rows) {
    if (row.length !== d) throw new Error(`a record has ${row.length} values; the schema encodes ${d} columns`);
    for (let j = 0; j < d; j++) {
      const value = row[j]!;
      if (Number.isNaN(value)) continue;
      const scaled = value / columns[j]!.scale;
      block[j] += scaled;
      block[d + j] += scaled * scaled;
      block[2 * d + j] += 1;
    }
  }
  for (let k = 0; k < 3 * d; k++) block[k] /= rows.length;
  block[3 * d] = 1;
  return block;
}

/** Whether a block holds statistics yet: its flag is 1 once a round has combined the clinics' blocks, 0 before. */
export function hasStatistics(block: ArrayLike<number>): boolean {
  return block.length > 0 && block[block.length - 1]! > 0.5;
}

/** The consortium's statistics from a combined block; null while it holds none. */
export function readStatistics(columns: readonly EncodedColumn[], block: ArrayLike<number>): FeatureStatistics | null {
  const d = columns.length;
  if (block.length !== statisticsLength(d)) throw new Error(`a statistics block over ${d} columns has ${statisticsLength(d)} values, not ${block.length}`);
  if (!hasStatistics(block)) return null;
  const flag = block[3 * d]!;
  const stats: FeatureStatistics = { columns: columns.map((c) => c.name), mean: [], sd: [], observed: [] };
  for (let j = 0; j < d; j++) {
    const { scale } = columns[j]!;
    // Divided by the flag, which a fixed-point sum may leave a hair away from 1.
    const observed = Math.min(1, Math.max(0, block[2 * d + j]! / flag));
    const first = observed > 0 ? block[j]! / flag / observed : 0;
    const second = observed > 0 ? block[d + j]! / flag / observed : 0;
    stats.mean.push(first * scale);
    stats.sd.push(Math.sqrt(Math.max(0, second - first * first)) * scale);
    stats.observed.push(observed);
  }
  return stats;
}

/**
 * Records imputed and normalised with the consortium's statistics: a missing number takes the mean,
 * a missing category or boolean the most frequent level; number features are then z-normalised
 * (centred only when constant). Levels, booleans, indicators and the treatment keep their 0/1.
 */
export function preprocessRows(columns: readonly EncodedColumn[], stats: FeatureStatistics, rows: readonly ArrayLike<number>[]): Float32Array {
  const d = columns.length;
  const fill = imputedValues(columns, stats);
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    const missing = new Set<string>();
    for (let j = 0; j < d; j++) if (Number.isNaN(row[j]!)) missing.add(columns[j]!.feature);
    for (let j = 0; j < d; j++) {
      const { role, feature } = columns[j]!;
      // A category is missing as a whole: every level column of it takes the mode's value.
      const value = missing.has(feature) && role !== 'indicator' ? fill[j]! : row[j]!;
      out[i * d + j] = role === 'number' ? (value - stats.mean[j]!) / (stats.sd[j]! > 0 ? stats.sd[j]! : 1) : value;
    }
  });
  return out;
}

/** What a missing value of each column becomes: the mean of a number, the mode of a boolean or category. */
function imputedValues(columns: readonly EncodedColumn[], stats: FeatureStatistics): number[] {
  const fill = columns.map((c, j) => (c.role === 'number' ? stats.mean[j]! : c.role === 'boolean' ? (stats.mean[j]! >= 0.5 ? 1 : 0) : 0));
  for (const feature of new Set(columns.filter((c) => c.role === 'level').map((c) => c.feature))) {
    const levels = columns.flatMap((c, j) => (c.role === 'level' && c.feature === feature ? [j] : []));
    // The reference level's share is what the other levels leave.
    const reference = 1 - levels.reduce((sum, j) => sum + stats.mean[j]!, 0);
    const mode = levels.reduce((best, j) => (stats.mean[j]! > (best < 0 ? reference : stats.mean[best]!) ? j : best), -1);
    if (mode >= 0) fill[mode] = 1;
  }
  return fill;
}
