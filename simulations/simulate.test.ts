import { describe, expect, it } from '@jest/globals';
import { FLAMBY_FEDAVG } from '../coordinator/config/study-config.js';
import { DATA_DIR } from '../test/support/data-dir.js';
import { simulate } from './simulate.js';

const SEEDS = [42, 43, 44, 45, 46];

async function meanSiteAccuracy(study: Record<string, unknown>): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) {
    const report = await simulate({ study: { dataset: 'fed-heart-disease', seed, ...study }, data: { dataDir: DATA_DIR } });
    expect(report.rounds_history).toHaveLength(report.rounds);
    sum += report.mean_site_metric;
  }
  return sum / SEEDS.length;
}

describe('federated Fed-Heart-Disease over gRPC, seeds 42-46', () => {
  it("FedAvg with FLamby's protocol reaches FLamby's FedAvg accuracy", async () => {
    expect(await meanSiteAccuracy({ ...FLAMBY_FEDAVG })).toBeGreaterThanOrEqual(0.665);
  });

  it("the default study beats FLamby's FedAvg (0.685)", async () => {
    expect(await meanSiteAccuracy({})).toBeGreaterThan(0.685);
  });
});
