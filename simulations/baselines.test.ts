import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/data-dir.js';
import { runBaseline } from './baselines.js';

describe("FLamby's baselines", () => {
  it('pooled training lands on FLamby\'s pooled accuracy', async () => {
    const report = await runBaseline('pooled', { seed: 42, dataDir: DATA_DIR });
    expect(Math.abs(report.pooled_accuracy - 0.7953)).toBeLessThan(0.02);
    expect(report.sites.map((s) => s.n_test)).toEqual([104, 89, 16, 45]);
  });

  it('local training reports each site on its own model, with the cross-site matrix', async () => {
    const report = await runBaseline('local', { seed: 42, dataDir: DATA_DIR });
    expect(report.cross_site).toHaveLength(4);
    report.sites.forEach((s, i) => expect(s.accuracy).toBe(report.cross_site![i]![i]));
    const tested = report.sites.reduce((n, s) => n + s.n_test, 0);
    expect(report.pooled_accuracy).toBeCloseTo(report.sites.reduce((n, s) => n + s.accuracy * s.n_test, 0) / tested, 10);
  });
});
