import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/support/data-dir.js';
import { runBaseline, type BaselineReport } from './baselines.js';

const SEEDS = [42, 43, 44, 45, 46];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("FLamby's baselines", () => {
  it("pooled training reproduces FLamby's pooled row over seeds 42-46", async () => {
    const reports: BaselineReport[] = [];
    for (const seed of SEEDS) reports.push(await runBaseline('pooled', { seed, dataDir: DATA_DIR }));
    expect(Math.abs(mean(reports.map((r) => r.pooled_accuracy)) - 0.7953)).toBeLessThanOrEqual(0.01);
    const flamby = [0.7827, 0.764, 0.75, 0.6444];
    flamby.forEach((reference, i) => expect(Math.abs(mean(reports.map((r) => r.sites[i]!.accuracy)) - reference)).toBeLessThanOrEqual(0.02));
    expect(reports[0]!.sites.map((s) => s.n_test)).toEqual([104, 89, 16, 45]);
  });

  it('local training reports each site on its own model, with the cross-site matrix', async () => {
    const report = await runBaseline('local', { seed: 42, dataDir: DATA_DIR });
    expect(report.cross_site).toHaveLength(4);
    report.sites.forEach((s, i) => expect(s.accuracy).toBe(report.cross_site![i]![i]));
    const tested = report.sites.reduce((n, s) => n + s.n_test, 0);
    expect(report.pooled_accuracy).toBeCloseTo(report.sites.reduce((n, s) => n + s.accuracy * s.n_test, 0) / tested, 10);
  });
});
