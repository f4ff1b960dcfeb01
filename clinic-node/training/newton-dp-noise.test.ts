import { describe, expect, it } from '@jest/globals';
import { calibrateNoise } from '../../crypto/index.js';
import { addStatistics, cholesky, choleskyInverse, coxStatistics, fitCox, type SurvivalRecords } from '../../survival/index.js';
import { DATA_DIR } from '../../test/support/data-dir.js';
import { loadPbc3Sites } from '../data/pbc3.js';

// Why a cox-newton study refuses differential privacy (docs/survival.md#newton-raphson-under-differential-privacy):
// what Gaussian noise on the score, calibrated to the largest change one PBC3 patient actually makes
// to it (a lower bound on any valid sensitivity), would do to the stratified fit's estimate.
const P = 3;

function without(records: SurvivalRecords, k: number): SurvivalRecords {
  const keep = Array.from({ length: records.count }, (_, i) => i).filter((i) => i !== k);
  return {
    x: Float64Array.from(keep.flatMap((i) => Array.from(records.x.subarray(i * P, (i + 1) * P)))),
    time: Float64Array.from(keep, (i) => records.time[i]!),
    event: Uint8Array.from(keep, (i) => records.event[i]!),
    count: keep.length,
    covariates: P,
  };
}

describe('noise on the Newton-Raphson sums of PBC3', () => {
  it("would move the treatment's log hazard ratio by many standard errors, even calibrated to the data's own largest influence", async () => {
    const sites = (await loadPbc3Sites({ dataDir: DATA_DIR })).map((s) => s.records);
    const fit = await fitCox(P, (beta) => sites.map((s) => coxStatistics(s, beta)).reduce(addStatistics));
    const beta = fit.coefficients;
    const information = sites.map((s) => coxStatistics(s, beta)).reduce(addStatistics).information;
    // A patient's removal changes only their hospital's stratum.
    let influence = 0;
    for (const site of sites) {
      const score = coxStatistics(site, beta).gradient;
      for (let k = 0; k < site.count; k++) {
        const less = coxStatistics(without(site, k), beta).gradient;
        influence = Math.max(influence, Math.hypot(...score.map((v, j) => v - less[j]!)));
      }
    }
    expect(influence).toBeCloseTo(20.61, 2);
    const inverse = choleskyInverse(cholesky(information, P)!, P);
    const standardError = Math.sqrt(inverse[0]!);
    expect(standardError).toBeCloseTo(0.2296, 4); // R's coxph: 0.2296
    // Noise e ~ N(0, σ² I) on the score moves β̂ by I⁻¹e: treatment's standard deviation σ ‖row 0 of I⁻¹‖.
    const shift = (epsilon: number) => {
      const sigma = calibrateNoise(epsilon, 1, 8, 1e-5).noiseMultiplier * influence;
      return sigma * Math.hypot(inverse[0]!, inverse[1]!, inverse[2]!);
    };
    expect(shift(1)).toBeCloseTo(12.5, 1);
    expect(shift(10)).toBeCloseTo(1.6, 1);
    expect(shift(10) / standardError).toBeGreaterThan(7);
  });
});
