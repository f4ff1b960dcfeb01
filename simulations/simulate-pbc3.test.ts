import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { gridBaseline, readBaselineBlock } from '../survival/index.js';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate } from './simulate.js';

// R's survival::coxph(Surv(days, event) ~ tment + alb + log2bili + strata(unit), ties = "efron") on
// the complete cases, kept with the script that produced it (survival/reference/pbc3-coxph.R).
const references = JSON.parse(readFileSync(new URL('../survival/reference/pbc3-coxph.json', import.meta.url), 'utf8'));
const reference = references.stratified_efron;
// Breslow's baseline with every hospital's risk sets at the stratified β, on the monthly grid (R, same script).
const consortium = references.stratified_efron_baseline as { coefficients: number[]; consortium_grid: { grid: number[]; breslow: number[] } };

describe('PBC3: a Cox model stratified by hospital, fitted by federated Newton-Raphson over gRPC', () => {
  it.each([
    ['none', {}, 1e-6],
    // Its default clip range of ±8: a round's answer is the clinic's statistics over its record count less the last sums over theirs.
    ['secagg', {}, 1e-6],
    // CKKS: the clinics decrypt the mean statistics and the total weight, and take the step themselves.
    ['he', {}, 1e-6],
  ] as const)("privacy %s: every coefficient and standard error equals R's pooled stratified fit", async (privacy, settings, tolerance) => {
    let final: Float32Array | undefined;
    const report = await simulate({
      study: { dataset: 'pbc3', privacy, ...settings },
      data: { dataDir: DATA_DIR },
      onFinalModel: (_site, parameters) => (final = parameters),
    });
    expect(report).toMatchObject({ strategy: 'newton-raphson', model: 'cox-newton', rounds: 8, metric: 'c_index' });
    expect(report.coefficients!.map((row) => row.name)).toEqual(['tment', 'alb', 'log2bili']);
    report.coefficients!.forEach((row, j) => {
      const expected = reference.coefficients[j];
      for (const key of ['coef', 'se', 'hazard_ratio', 'ci_low', 'ci_high'] as const) {
        expect(Math.abs(row[key] - expected[key])).toBeLessThan(tolerance);
      }
    });
    expect(report.log_likelihood).toBeCloseTo(reference.loglik[1], 3);
    expect(report.sites.reduce((n, site) => n + site.n_train, 0)).toBe(reference.n);
    // The federated baseline hazard: the clinics' grid sums, combined as the statistics are.
    const block = readBaselineBlock(final!)!;
    expect(block.grid).toEqual(consortium.consortium_grid.grid.map(Math.fround));
    expect(block.totalWeight).toBe(reference.n);
    expect(block.sums!.events.reduce((a, b) => a + b, 0)).toBe(reference.events);
    const baseline = gridBaseline(block.grid, block.centre, block.sums!);
    // R's, moved to the same centre with R's β; the sums are at the β of the last evaluation.
    const toCentre = Math.exp(consortium.coefficients.reduce((sum, b, j) => sum + b * block.centre[j]!, 0));
    consortium.consortium_grid.breslow.forEach((expected, k) => {
      expect(Math.abs(baseline.hazard[k]! / (expected * toCentre) - 1)).toBeLessThan(tolerance);
    });
    block.coefficients.forEach((b, j) => expect(Math.abs(b - reference.coefficients[j].coef)).toBeLessThan(tolerance));
  });

  it('refuses a Newton-Raphson study that would leave a hospital out of a round', async () => {
    await expect(simulate({ study: { dataset: 'pbc3', quorum: 5 }, data: { dataDir: DATA_DIR } })).rejects.toThrow(
      'strategy "newton-raphson" fits a model stratified by clinic: every one of the 6 clinics answers every round (quorum 6, not 5)',
    );
  });
});
