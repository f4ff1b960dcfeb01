import { describe, expect, test } from '@jest/globals';
import { seededRandom } from '../random.js';
import { encodedColumns, hasStatistics, localStatistics, preprocessRows, readStatistics, statisticsLength } from './feature-statistics.js';
import { parseStudySchema, schemaFeatureOrder } from './study-schema.js';

const schema = parseStudySchema({
  task: 'binary',
  features: [
    { name: 'age', type: 'number', range: [18, 110] },
    { name: 'albumin', type: 'number', missing: 'indicator' },
    { name: 'stage', type: 'category', levels: ['I', 'II', 'III'], missing: 'impute-mode' },
    { name: 'smoker', type: 'boolean', missing: 'impute-mode' },
  ],
  target: { column: 'died' },
  treatment: { column: 'arm', levels: ['placebo', 'drug'] },
});
const columns = encodedColumns(schema);

/** Random encoded rows for one clinic, with missing values where the schema allows them. */
function clinicRows(seed: number, count: number, ageShift: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const albuminMissing = random.next() < 0.2;
    const stageMissing = random.next() < 0.1;
    const stage = Math.floor(random.next() * 3);
    return [
      18 + ageShift + random.next() * 60,
      albuminMissing ? NaN : 30 + random.next() * 15,
      albuminMissing ? 1 : 0,
      stageMissing ? NaN : stage === 1 ? 1 : 0,
      stageMissing ? NaN : stage === 2 ? 1 : 0,
      random.next() < 0.05 ? NaN : random.next() < 0.3 ? 1 : 0,
      random.next() < 0.5 ? 1 : 0,
    ];
  });
}

/** Mean and population sd of a column's present values, straight from the pooled records. */
function pooledMoments(rows: number[][], j: number): { mean: number; sd: number; observed: number } {
  const values = rows.map((r) => r[j]!).filter((v) => !Number.isNaN(v));
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  return { mean, sd: Math.sqrt(variance), observed: values.length / rows.length };
}

describe('federated feature statistics', () => {
  test('columns follow schemaFeatureOrder, number features scaled by their range', () => {
    expect(columns.map((c) => c.name)).toEqual(schemaFeatureOrder(schema));
    expect(columns.map((c) => c.role)).toEqual(['number', 'number', 'indicator', 'level', 'level', 'boolean', 'treatment']);
    expect(columns[0]!.scale).toBe(110);
    expect(columns[1]!.scale).toBe(1);
  });

  test("the weighted mean of the clinics' blocks gives the pooled records' statistics", () => {
    const sites = [clinicRows(1, 40, 0), clinicRows(2, 113, 15), clinicRows(3, 7, -5)];
    const blocks = sites.map((rows) => localStatistics(columns, rows));
    const total = sites.reduce((s, rows) => s + rows.length, 0);
    const combined = new Float64Array(statisticsLength(columns.length));
    blocks.forEach((block, k) => block.forEach((v, i) => (combined[i] += (v * sites[k]!.length) / total)));
    const stats = readStatistics(columns, combined)!;
    const pooled = sites.flat();
    columns.forEach((_, j) => {
      const expected = pooledMoments(pooled, j);
      expect(stats.mean[j]).toBeCloseTo(expected.mean, 10);
      expect(stats.sd[j]).toBeCloseTo(expected.sd, 10);
      expect(stats.observed[j]).toBeCloseTo(expected.observed, 12);
    });
    // A number feature with a range stays within [-1, 1] for secure aggregation's fixed point.
    expect(Math.max(blocks[0]![0]!, blocks[0]![columns.length]!)).toBeLessThanOrEqual(1);
  });

  test('a block holds no statistics until a round combined one (its flag)', () => {
    const empty = new Float64Array(statisticsLength(columns.length));
    expect(hasStatistics(empty)).toBe(false);
    expect(readStatistics(columns, empty)).toBeNull();
    expect(hasStatistics(localStatistics(columns, clinicRows(4, 5, 0)))).toBe(true);
    expect(() => readStatistics(columns, new Float64Array(5))).toThrow(/22 values, not 5/);
    expect(() => localStatistics(columns, [])).toThrow(/at least one record/);
    expect(() => localStatistics(columns, [[1, 2]])).toThrow(/2 values; the schema encodes 7/);
  });

  test('preprocessing imputes the mean and the mode, then z-normalises number features only', () => {
    const stats = {
      columns: columns.map((c) => c.name),
      mean: [50, 40, 0.2, 0.3, 0.5, 0.7, 0.5],
      sd: [10, 0, 0, 0, 0, 0, 0],
      observed: [1, 0.8, 1, 0.9, 0.9, 0.95, 1],
    };
    const rows = [
      [60, 44, 0, 1, 0, 0, 1],
      [40, NaN, 1, NaN, NaN, NaN, 0],
    ];
    const out = Array.from(preprocessRows(columns, stats, rows));
    // age z-scored; albumin constant so only centred; stage II/III and smoker kept as 0/1.
    expect(out.slice(0, 7)).toEqual([1, 4, 0, 1, 0, 0, 1]);
    // Missing albumin: the mean, 0 once centred; stage: its mode III (0.5 > II's 0.3 > I's 0.2); smoker: 1 (0.7).
    expect(out.slice(7)).toEqual([-1, 0, 1, 0, 1, 1, 0]);
    // The reference level as the mode: every level column 0.
    const referenceMode = { ...stats, mean: [50, 40, 0.2, 0.1, 0.2, 0.3, 0.5] };
    expect(Array.from(preprocessRows(columns, referenceMode, [rows[1]!])).slice(3, 6)).toEqual([0, 0, 0]);
  });
});
