import { describe, expect, it } from '@jest/globals';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate, type SimulationReport } from './simulate.js';

async function run(privacy: string, seed: number): Promise<{ report: SimulationReport; models: Map<string, Float32Array> }> {
  const models = new Map<string, Float32Array>();
  const report = await simulate({
    // FedAdam in both: the default strategy of a plain study (geometric median) cannot run on an encrypted mean.
    study: { dataset: 'fed-heart-disease', seed, privacy, strategy: { name: 'fedadam' } },
    data: { dataDir: DATA_DIR },
    onFinalModel: (site, parameters) => models.set(site, parameters),
  });
  return { report, models };
}

describe('privacy he on Fed-Heart-Disease: the same federation as plaintext, encrypted', () => {
  it.each([42, 43])("seed %i: per-site accuracies within 0.005 and every clinic's final model within 1e-6 of the plaintext run", async (seed) => {
    const plain = await run('none', seed);
    const encrypted = await run('he', seed);
    expect(encrypted.report.privacy).toBe('he');
    encrypted.report.sites.forEach((site, i) => {
      expect(site.site).toBe(plain.report.sites[i]!.site);
      expect(Math.abs(site.accuracy! - plain.report.sites[i]!.accuracy!)).toBeLessThanOrEqual(0.005);
    });
    const reference = plain.models.get('cleveland')!;
    expect(encrypted.models.size).toBe(4);
    for (const [site, parameters] of encrypted.models) {
      expect({ site, length: parameters.length }).toEqual({ site, length: reference.length });
      const worst = Math.max(...parameters.map((w, i) => Math.abs(w - reference[i]!)));
      expect({ site, worst: worst <= 1e-6 ? 'within 1e-6' : worst }).toEqual({ site, worst: 'within 1e-6' });
    }
  });
});
