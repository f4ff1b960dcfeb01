import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  addConcordance,
  addStatistics,
  coefficientTable,
  concordanceCounts,
  concordanceIndex,
  coxStatistics,
  fitCox,
  type SurvivalRecords,
  type Ties,
} from '../../survival/index.js';
import { DATA_DIR } from '../../test/support/data-dir.js';
import { COVARIATES, loadPbc3Sites, parsePbc3, type Pbc3Site } from './pbc3.js';

// Computed once by R's survival package: Rscript survival/reference/pbc3-coxph.R ../shared/data/pbc3/Pbc3.csv
const reference = JSON.parse(readFileSync(new URL('../../survival/reference/pbc3-coxph.json', import.meta.url), 'utf8'));

interface ReferenceFit {
  n: number;
  events: number;
  loglik: [number, number];
  iterations: number;
  coefficients: { name: string; coef: number; se: number; hazard_ratio: number; ci_low: number; ci_high: number }[];
}

function pooled(sites: Pbc3Site[]): SurvivalRecords {
  const p = COVARIATES.length;
  const all = sites.map((s) => s.records);
  const count = all.reduce((n, r) => n + r.count, 0);
  const x = new Float64Array(count * p);
  let offset = 0;
  for (const r of all) {
    x.set(r.x, offset * p);
    offset += r.count;
  }
  return { x, time: Float64Array.from(all.flatMap((r) => [...r.time])), event: Uint8Array.from(all.flatMap((r) => [...r.event])), count, covariates: p };
}

function expectFit(fit: Awaited<ReturnType<typeof fitCox>>, expected: ReferenceFit): void {
  expect(fit.converged).toBe(true);
  expect(fit.iterations).toBe(expected.iterations);
  expect(fit.events).toBe(expected.events);
  expect(fit.logLikelihood.initial).toBeCloseTo(expected.loglik[0], 6);
  expect(fit.logLikelihood.final).toBeCloseTo(expected.loglik[1], 6);
  const table = coefficientTable(COVARIATES, fit);
  expected.coefficients.forEach((row, j) => {
    expect(table[j]!.name).toBe(row.name);
    // The bar is 1e-4; the fit agrees far more closely.
    expect(Math.abs(table[j]!.coef - row.coef)).toBeLessThan(1e-7);
    expect(Math.abs(table[j]!.se - row.se)).toBeLessThan(1e-7);
    expect(table[j]!.ci_low).toBeCloseTo(row.ci_low, 6);
    expect(table[j]!.ci_high).toBeCloseTo(row.ci_high, 6);
  });
}

describe('PBC3', () => {
  it('keeps the complete cases of each hospital and counts the rest', async () => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    expect(sites.map((s) => s.site)).toEqual(['hvidovre', 'london', 'copenhagen', 'barcelona', 'munich', 'lyon']);
    expect(sites.reduce((n, s) => n + s.records.count, 0)).toBe(reference.rows_complete);
    expect(sites.reduce((n, s) => n + s.incomplete, 0)).toBe(349 - reference.rows_complete);
    expect(sites.reduce((n, s) => n + s.records.event.reduce((a, b) => a + b, 0), 0)).toBe(reference.stratified_efron.events);
    expect(new Set(sites.flatMap((s) => s.patients)).size).toBe(reference.rows_complete);
  });

  it.each<[string, Ties]>([
    ['stratified_efron', 'efron'],
    ['stratified_breslow', 'breslow'],
  ])('a fit from per-hospital sums equals R coxph(... + strata(unit)) (%s)', async (key, ties) => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    // Each hospital evaluates its own stratum; only the sums meet.
    const fit = await fitCox(COVARIATES.length, (beta) => sites.map((s) => coxStatistics(s.records, beta, ties)).reduce(addStatistics));
    expectFit(fit, reference[key]);
  });

  it('pooling every record in one stratum equals the unstratified R fit', async () => {
    const records = pooled(await loadPbc3Sites({ dataDir: DATA_DIR }));
    expectFit(await fitCox(COVARIATES.length, (beta) => coxStatistics(records, beta)), reference.pooled_efron);
  });

  it("Harrell's C within hospitals equals R's concordance of the stratified fit", async () => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    const fit = await fitCox(COVARIATES.length, (beta) => sites.map((s) => coxStatistics(s.records, beta)).reduce(addStatistics));
    const counts = sites
      .map(({ records: { x, time, event, count } }) => {
        const risk = Array.from({ length: count }, (_, i) => COVARIATES.reduce((sum, _c, j) => sum + x[i * 3 + j]! * fit.coefficients[j]!, 0));
        return concordanceCounts(time, event, risk);
      })
      .reduce(addConcordance);
    expect(concordanceIndex(counts)).toBeCloseTo(reference.stratified_concordance, 9);
  });

  it('names the line and column of a malformed value', () => {
    const header = 'ptno;unit;tment;sex;age;stage;gibleed;crea;alb;bili;alkph;asptr;weight;days;status';
    expect(() => parsePbc3(`${header}\n1;2;1;1;62;4;0;82;3,3;106;682.5;125.5;82;625;2`)).toThrow('Pbc3.csv line 2, column alb: "3,3" is not a number');
    expect(() => parsePbc3(`${header}\n1;9;1;1;62;4;0;82;33;106;682.5;125.5;82;625;2`)).toThrow('column unit: 9 is not a hospital code 1-6');
    expect(() => parsePbc3(`${header}\n1;2;1;1;62;4;0;82;33;106;682.5;125.5;82;0;2`)).toThrow('column days: 0 is not a positive follow-up time');
    expect(() => parsePbc3('ptno;unit\n1;2')).toThrow('no column "tment" in the header');
    expect(parsePbc3(`${header}\n1;2;1;1;62;4;0;82;NA;106;682.5;125.5;82;625;0`)[0]!.covariates).toBeNull();
  });
});
