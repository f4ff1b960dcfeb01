import { describe, expect, it } from '@jest/globals';
import { baselineBlockLength, initialParameters, modelSpec, newtonVectorLength, parameterCount } from '../common/model-spec.js';
import { NEWTON_RAPHSON } from '../strategies/newton-raphson.js';
import type { FitResult } from '../strategies/strategy.js';
import { addGridSums, covariateMeans, gridSums } from './baseline-hazard.js';
import { answerBaselineBlock, readBaselineBlock } from './baseline-layout.js';
import { newtonLayout, readNewtonModel } from './newton-layout.js';
import { coxStatistics, type SurvivalRecords } from './partial-likelihood.js';
import { packStatistics, statisticsSlice } from './newton-layout.js';
import { records } from './test-fixtures.js';

const SITES = [
  records([
    [5, 1, 0.3, 41],
    [5, 1, -1.2, 38],
    [7, 0, 0.8, 35],
    [9, 1, 1.5, 40],
    [12, 0, -0.4, 36],
    [3, 1, 0.9, 39],
  ]),
  records([
    [2, 1, 0.1, 30],
    [4, 0, 2.0, 44],
    [6, 1, -0.7, 37],
    [6, 1, 0.5, 42],
    [8, 0, -1.0, 33],
  ]),
];
const GRID = [2.5, 5, 7.5, 10];
const SPEC = modelSpec('cox-newton', 2, [], 1, GRID);

/** A clinic's answer as CoxLearner gives it: Newton statistics and grid sums over its record count. */
function answer(site: SurvivalRecords, global: Float32Array): FitResult {
  const local = Float32Array.from(global);
  local.set(packStatistics(coxStatistics(site, readNewtonModel(global).coefficients), site.count), statisticsSlice(2).start);
  answerBaselineBlock(local, site);
  return { clinicId: `site${site.count}`, numSamples: site.count, delta: local.map((v, i) => v - global[i]!) };
}

describe("a cox-newton vector's baseline block", () => {
  it('starts with its grid and length marker, and no sums', () => {
    const initial = initialParameters(SPEC, 1);
    expect(initial).toHaveLength(parameterCount(SPEC));
    expect(parameterCount(SPEC)).toBe(newtonVectorLength(2) + baselineBlockLength(2, 4));
    expect(baselineBlockLength(2, 4)).toBe(4 * 5 + 6 + 1);
    expect(newtonLayout(initial)).toEqual({ covariates: 2, gridPoints: 4, coreLength: newtonVectorLength(2) });
    expect(readBaselineBlock(initial)).toMatchObject({ grid: GRID, sums: null, totalWeight: 0 });
    expect(readNewtonModel(initial)).toMatchObject({ statistics: null, totalWeight: 0 });
    // Without a grid, the plain layout, as before.
    expect(newtonLayout(initialParameters(modelSpec('cox-newton', 2), 1))).toEqual({ covariates: 2, gridPoints: 0, coreLength: newtonVectorLength(2) });
    expect(readBaselineBlock(initialParameters(modelSpec('cox-newton', 2), 1))).toBeNull();
  });

  it('refuses a grid on another model, and a marker that is not minus a grid length', () => {
    expect(() => modelSpec('cox-linear', 2, [], 1, GRID)).toThrow("a time grid is for a cox-newton model's baseline hazard, not cox-linear");
    expect(() => modelSpec('cox-newton', 2, [], 1, [3, 2])).toThrow('time grid value 2 (2) does not follow 3');
    const bad = initialParameters(SPEC, 1);
    bad[bad.length - 1] = -2.5;
    expect(() => newtonLayout(bad)).toThrow('a Newton-Raphson model vector ends with -2.5: not minus a time grid');
    expect(() => newtonLayout(bad.subarray(1).map((v, i, a) => (i === a.length - 1 ? -4 : v)))).toThrow('matches no number of covariates');
  });

  it("becomes, through the strategy, the consortium's means and grid sums at the model's β and centre", () => {
    const strategy = NEWTON_RAPHSON.create(NEWTON_RAPHSON.defaults);
    let global = initialParameters(SPEC, 1);
    // Round 1 (β = 0, centre 0), then round 2 at round 1's β, centred on round 1's means.
    ({ parameters: global } = strategy.aggregate(
      SITES.map((site) => answer(site, global)),
      global,
      null,
    ));
    const evaluated = readNewtonModel(global).coefficients;
    const centre = readBaselineBlock(global)!.means;
    const pooled = [0, 1].map((j) => (6 * covariateMeans(SITES[0]!)[j]! + 5 * covariateMeans(SITES[1]!)[j]!) / 11);
    centre.forEach((m, j) => expect(m).toBeCloseTo(pooled[j]!, 5));
    const answers = SITES.map((site) => answer(site, global));
    // A clinic that rewrites the grid or the marker changes nothing: they stay the model's.
    answers[1]!.delta[newtonVectorLength(2)] = 7;
    answers[1]!.delta[global.length - 1] = 3;
    const { parameters } = strategy.aggregate(answers, global, null);
    const block = readBaselineBlock(parameters)!;
    expect(block.grid).toEqual(GRID);
    expect(block.totalWeight).toBe(11);
    block.coefficients.forEach((b, j) => expect(b).toBeCloseTo(evaluated[j]!, 6));
    block.centre.forEach((c, j) => expect(c).toBeCloseTo(centre[j]!, 5));
    const expected = SITES.map((site) => gridSums(site, evaluated, GRID, centre)).reduce(addGridSums);
    expect(Array.from(block.sums!.events)).toEqual(Array.from(expected.events));
    expect(Array.from(block.sums!.events)).toEqual([1, 3, 2, 1]);
    block.sums!.atRisk.forEach((v, k) => expect(v).toBeCloseTo(expected.atRisk[k]!, 4));
    block.sums!.atRiskX.forEach((v, k) => expect(v).toBeCloseTo(expected.atRiskX[k]!, 4));
  });
});
