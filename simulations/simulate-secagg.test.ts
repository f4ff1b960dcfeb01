import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate, type SimulationReport } from './simulate.js';

async function run(study: Record<string, unknown>, dropout?: number): Promise<{ report: SimulationReport; models: Map<string, Float32Array> }> {
  const models = new Map<string, Float32Array>();
  const report = await simulate({
    study: { dataset: 'fed-heart-disease', ...study },
    data: { dataDir: DATA_DIR },
    onFinalModel: (site, parameters) => models.set(site, parameters),
    ...(dropout !== undefined && { dropout }),
  });
  return { report, models };
}

describe('privacy secagg on Fed-Heart-Disease', () => {
  it('seed 42: the coordinator sees only the sum, and the federation matches plaintext (accuracies within 0.005, models within 1e-5)', async () => {
    // FedAdam in both: the default strategy of a plain study (geometric median) cannot run on a secure sum.
    const plain = await run({ seed: 42, privacy: 'none', strategy: { name: 'fedadam' } });
    const secure = await run({ seed: 42, privacy: 'secagg' });
    expect(secure.report.privacy).toBe('secagg');
    secure.report.sites.forEach((site, i) => {
      expect(site.site).toBe(plain.report.sites[i]!.site);
      expect(Math.abs(site.accuracy! - plain.report.sites[i]!.accuracy!)).toBeLessThanOrEqual(0.005);
    });
    const reference = plain.models.get('cleveland')!;
    for (const [site, parameters] of secure.models) {
      const worst = Math.max(...parameters.map((w, i) => Math.abs(w - reference[i]!)));
      expect({ site, worst: worst <= 1e-5 ? 'within 1e-5' : worst }).toEqual({ site, worst: 'within 1e-5' });
    }
  });

  it("with clinics dropping out after sharing keys (seed 3, dropout 0.1) the study completes on the survivors' sums", async () => {
    const { report } = await run({ seed: 3, privacy: 'secagg' }, 0.1);
    const dropped = report.dropped_rounds!.reduce((n, d) => n + d.rounds, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(report.mean_site_accuracy).toBeGreaterThan(0.65);
  }, 120_000);

  it('secagg+dp: clinics add distributed noise and spend within the target, recorded in their ledgers', async () => {
    const { report } = await run({ seed: 42, privacy: 'secagg+dp', rounds: 3, dp: { targetEpsilon: 1, delta: 1e-3 } });
    expect(report.privacy).toBe('secagg+dp');
    for (const spent of report.privacy_spent!) {
      expect(spent.delta).toBe(1e-3);
      expect(spent.epsilon).toBeLessThanOrEqual(1);
      expect(spent.epsilon).toBeGreaterThan(0.99);
    }
  });

  it('refuses --dropout for a study without secure aggregation', async () => {
    await expect(run({ privacy: 'none' }, 0.1)).rejects.toThrow('--dropout needs a secure-aggregation study (privacy secagg or secagg+dp), this one is "none"');
  });
});
