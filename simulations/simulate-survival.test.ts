import { describe, expect, it } from '@jest/globals';
import { loadTcgaBrcaSites } from '../clinic-node/data/fed-tcga-brca.js';
import { evaluateCox } from '../clinic-node/training/cox-training.js';
import { addConcordance, concordanceIndex } from '../survival/index.js';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate } from './simulate.js';

describe('a survival study end to end: Fed-TCGA-BRCA over gRPC', () => {
  it.each(['none', 'secagg'])("privacy %s: each site's C-index in the report is the final model's on that site's own test records", async (privacy) => {
    const models = new Map<string, Float32Array>();
    const report = await simulate({
      study: { dataset: 'fed-tcga-brca', rounds: 2, privacy, seed: 42 },
      data: { dataDir: DATA_DIR },
      onFinalModel: (site, parameters) => models.set(site, parameters),
    });
    expect(report).toMatchObject({ dataset: 'fed-tcga-brca', model: 'cox-linear', metric: 'c_index', rounds: 2 });
    expect(report.rounds_history).toHaveLength(2);
    const sites = await loadTcgaBrcaSites({ dataDir: DATA_DIR });
    const model = models.get('northeast')!;
    sites.forEach((site) => expect(models.get(site.site)).toEqual(model)); // one model, every clinic
    const counts = sites.map((site) => evaluateCox(model, site.test));
    report.sites.forEach((row, i) => {
      expect(row.site).toBe(sites[i]!.site);
      expect(row.accuracy).toBeUndefined();
      expect(row.c_index).toBeCloseTo(concordanceIndex(counts[i]!), 12);
    });
    expect(report.mean_site_metric).toBeCloseTo(counts.reduce((s, c) => s + concordanceIndex(c), 0) / counts.length, 12);
    expect(report.pooled_metric).toBeCloseTo(concordanceIndex(counts.reduce(addConcordance)), 12);
    // Trained: better than ordering patients at random on average.
    expect(report.mean_site_metric).toBeGreaterThan(0.55);
  });

  it('refuses what a survival study cannot do yet, naming it', async () => {
    await expect(simulate({ study: { dataset: 'pbc3', privacy: 'dp' }, data: { dataDir: DATA_DIR } })).rejects.toThrow(
      'privacy "dp" is not available for a cox-newton model: noise on each round',
    );
    await expect(simulate({ study: { dataset: 'fed-tcga-brca' }, clinicsPerSite: 2, data: { dataDir: DATA_DIR } })).rejects.toThrow(
      "--clinics-per-site splits a classification dataset's sites; fed-tcga-brca is a survival dataset",
    );
  });
});
