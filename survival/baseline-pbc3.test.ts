import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { loadPbc3Sites, type Pbc3Site } from '../clinic-node/data/pbc3.js';
import { DATA_DIR } from '../test/support/data-dir.js';
import { absoluteRisk, horizonIndex } from './absolute-risk.js';
import { addGridSums, breslowHazard, gridBaseline, gridSums } from './baseline-hazard.js';
import type { SurvivalRecords } from './partial-likelihood.js';

// Computed once by R's survival package: Rscript survival/reference/pbc3-coxph.R ../shared/data/pbc3/Pbc3.csv
const reference = JSON.parse(readFileSync(new URL('./reference/pbc3-coxph.json', import.meta.url), 'utf8')).stratified_efron_baseline as {
  coefficients: number[];
  covariance: number[];
  strata: { stratum: string; time: number[]; efron: number[]; breslow: number[] }[];
  consortium: { time: number[]; breslow: number[] };
  consortium_grid: { grid: number[]; breslow: number[] };
  profiles: {
    tment: number;
    alb: number;
    log2bili: number;
    unit: number;
    time: number[];
    surv: number[];
    std_err: number[];
    lower: number[];
    upper: number[];
  }[];
};
const beta = reference.coefficients;

/** |a - b| within 1e-6 of b's size (at least 1). */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected)));
}

function together(sites: Pbc3Site[]): SurvivalRecords {
  const all = sites.map((s) => s.records);
  return {
    x: Float64Array.from(all.flatMap((r) => [...r.x])),
    time: Float64Array.from(all.flatMap((r) => [...r.time])),
    event: Uint8Array.from(all.flatMap((r) => [...r.event])),
    count: all.reduce((n, r) => n + r.count, 0),
    covariates: 3,
  };
}

describe("PBC3 baseline hazards and absolute risks equal R's", () => {
  it("each hospital's own baseline: basehaz(fit, centered = FALSE), Efron's and Breslow's", async () => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    reference.strata.forEach(({ stratum, time, efron, breslow }) => {
      const { records } = sites[Number(stratum.replace('unit=', '')) - 1]!;
      for (const [ties, expected] of [
        ['efron', efron],
        ['breslow', breslow],
      ] as const) {
        const h = breslowHazard(records, beta, { ties });
        expect(Array.from(h.time)).toEqual(time);
        expected.forEach((v, k) => expectClose(h.hazard[k]!, v));
      }
    });
  });

  it("a patient's risk and its interval at 1 to 5 years: survfit(fit, newdata, ctype = 1, conf.type = 'log-log')", async () => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    for (const profile of reference.profiles) {
      const records = sites[profile.unit - 1]!.records;
      const model = { coefficients: beta, covariance: reference.covariance, baseline: breslowHazard(records, beta, { centre: [0.5, 35, 5] }) };
      const last = model.baseline.time[model.baseline.time.length - 1]!;
      profile.time.forEach((t, k) => {
        // R carries a curve past its stratum's last follow-up; the model refuses to (Barcelona's ends at 1509 days).
        if (t > last) return expect(() => absoluteRisk(model, [0, 0, 0], t)).toThrow(`horizon ${t} is beyond the baseline hazard's last time ${last}`);
        const r = absoluteRisk(model, [profile.tment, profile.alb, profile.log2bili], t);
        expectClose(r.risk, 1 - profile.surv[k]!);
        expectClose(r.standardError, profile.std_err[k]!);
        expectClose(r.low, 1 - profile.upper[k]!);
        expectClose(r.high, 1 - profile.lower[k]!);
      });
    }
  });

  it("the consortium's baseline from per-hospital grid sums: Breslow's with every hospital's risk sets, at the stratified β", async () => {
    const sites = await loadPbc3Sites({ dataDir: DATA_DIR });
    const exact = breslowHazard(together(sites), beta);
    expect(Array.from(exact.time)).toEqual(reference.consortium.time);
    reference.consortium.breslow.forEach((v, k) => expectClose(exact.hazard[k]!, v));
    // On the monthly grid: R on the records moved to it (events to an interval's end, censoring to its start).
    const { grid, breslow } = reference.consortium_grid;
    const centre = [0.5, 35, 5];
    const sums = sites.map((s) => gridSums(s.records, beta, grid, centre)).reduce(addGridSums);
    const fromGrid = gridBaseline(grid, centre, sums);
    const toZero = Math.exp(-beta.reduce((s, b, j) => s + b * centre[j]!, 0));
    breslow.forEach((v, k) => expectClose(fromGrid.hazard[k]! * toZero, v));
    // A month's grid moves times by under 31 days: the hazard at each year stays within 2% of the exact one.
    for (const year of [1, 2, 3, 4, 5]) {
      const t = year * 365.25;
      const exactAt = exact.hazard[horizonIndex(exact, t)]!;
      expect(Math.abs(fromGrid.hazard[horizonIndex(fromGrid, t)]! * toZero - exactAt) / exactAt).toBeLessThan(0.02);
    }
  });
});
