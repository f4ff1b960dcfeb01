import { describe, expect, it } from '@jest/globals';
import {
  addStatistics,
  cholesky,
  choleskyInverse,
  coxStatistics,
  covariatesOf,
  newtonStep,
  newtonVectorLength,
  packStatistics,
  readNewtonModel,
  standardErrorsOf,
  statisticsSlice,
  unpackStatistics,
  type SurvivalRecords,
} from '../survival/index.js';
import { records } from '../survival/test-fixtures.js';
import { NEWTON_RAPHSON } from './newton-raphson.js';
import type { FitResult } from './strategy.js';

const SITES = [
  records([
    [5, 1, 0.3, 1],
    [5, 1, -1.2, 0],
    [7, 0, 0.8, 1],
    [9, 1, 1.5, 0],
    [12, 0, -0.4, 1],
    [3, 1, 0.9, 1],
  ]),
  records([
    [2, 1, 0.1, 0],
    [4, 0, 2.0, 1],
    [6, 1, -0.7, 0],
    [6, 1, 0.5, 1],
    [8, 0, -1.0, 0],
  ]),
];

/** A clinic's answer as CoxLearner gives it: its statistics at the model's β over its record count. */
function answer(site: SurvivalRecords, global: Float32Array): FitResult {
  const local = Float32Array.from(global);
  local.set(packStatistics(coxStatistics(site, readNewtonModel(global).coefficients), site.count), statisticsSlice(2).start);
  return { clinicId: `site${site.count}`, numSamples: site.count, delta: local.map((v, i) => v - global[i]!) };
}

describe('the Newton-Raphson model vector', () => {
  it('packs statistics over a weight and unpacks them times it', () => {
    const stats = coxStatistics(SITES[0]!, [0.2, -0.1]);
    const back = unpackStatistics(packStatistics(stats, 6), 2, 6);
    expect(back.logLikelihood).toBeCloseTo(stats.logLikelihood, 12);
    back.gradient.forEach((g, j) => expect(g).toBeCloseTo(stats.gradient[j]!, 12));
    back.information.forEach((v, j) => expect(v).toBeCloseTo(stats.information[j]!, 12));
    expect(back.events).toBe(stats.events);
  });

  it('has no statistics before the first round, and standard errors from the summed information after it', async () => {
    const fresh = readNewtonModel(new Float32Array(newtonVectorLength(2)));
    expect(fresh).toMatchObject({ statistics: null, totalWeight: 0 });
    expect(standardErrorsOf(fresh)).toBeNull();
    const summed = SITES.map((site) => coxStatistics(site, [0.1, 0.2])).reduce(addStatistics);
    const vector = new Float32Array(newtonVectorLength(2));
    vector.set(packStatistics(summed, 11), statisticsSlice(2).start);
    vector[vector.length - 1] = 11;
    const inverse = choleskyInverse(cholesky(summed.information, 2)!, 2);
    const errors = standardErrorsOf(readNewtonModel(vector))!;
    expect(errors[0]).toBeCloseTo(Math.sqrt(inverse[0]!), 5);
    expect(errors[1]).toBeCloseTo(Math.sqrt(inverse[3]!), 5);
  });

  it('knows its covariates from its length, and refuses a length no model has', () => {
    for (const p of [1, 2, 3, 39]) expect(covariatesOf(newtonVectorLength(p))).toBe(p);
    expect(newtonVectorLength(3)).toBe(15);
    expect(() => covariatesOf(14)).toThrow('a Newton-Raphson model vector of 14 values matches no number of covariates');
  });
});

describe('newton-raphson', () => {
  const strategy = NEWTON_RAPHSON.create(NEWTON_RAPHSON.defaults);

  it('steps by the summed statistics, and keeps their mean and the total weight in the model', () => {
    const global = new Float32Array(newtonVectorLength(2));
    const { parameters } = strategy.aggregate(
      SITES.map((site) => answer(site, global)),
      global,
      null,
    );
    const summed = SITES.map((site) => coxStatistics(site, [0, 0])).reduce(addStatistics);
    const expected = newtonStep(new Float64Array(2), summed);
    const model = readNewtonModel(parameters);
    model.coefficients.forEach((b, j) => expect(b).toBeCloseTo(expected[j]!, 6));
    expect(model.totalWeight).toBe(11);
    expect(model.statistics!.logLikelihood).toBeCloseTo(summed.logLikelihood, 4);
    expect(model.statistics!.events).toBe(summed.events);
  });

  it('gives the same step from the weighted mean alone, as secure aggregation hands it', () => {
    const global = new Float32Array(newtonVectorLength(2));
    const answers = SITES.map((site) => answer(site, global));
    const mean = answers[0]!.delta.map((_, i) => (6 * answers[0]!.delta[i]! + 5 * answers[1]!.delta[i]!) / 11);
    const fromMean = strategy.aggregate([{ clinicId: 'secure sum of 2', numSamples: 11, delta: mean }], global, null);
    const fromEach = strategy.aggregate(answers, global, null);
    fromMean.parameters.forEach((v, i) => expect(v).toBeCloseTo(fromEach.parameters[i]!, 5));
    expect(() => strategy.serverStep(global, mean, null)).toThrow("newton-raphson turns the round's mean statistics into sums");
    // Under CKKS the clinics know the total weight beside the mean: the same step.
    const stepped = strategy.serverStep(global, mean, null, 11);
    stepped.parameters.forEach((v, i) => expect(v).toBe(fromMean.parameters[i]));
  });

  it('halves a step that lowered the likelihood, towards the best point so far', () => {
    let global: Float32Array = new Float32Array(newtonVectorLength(2));
    let state = null;
    ({ parameters: global, state } = strategy.aggregate(
      SITES.map((site) => answer(site, global)),
      global,
      state,
    ));
    const best = Float32Array.from(state!['best']!);
    // Far from the optimum the likelihood is lower: the next round halves instead of stepping.
    global[0] = 40;
    global[1] = -40;
    const next = strategy.aggregate(
      SITES.map((site) => answer(site, global)),
      global,
      state,
    );
    expect(next.parameters[0]).toBeCloseTo((40 + best[0]!) / 2, 4);
    expect(next.parameters[1]).toBeCloseTo((-40 + best[1]!) / 2, 4);
    expect(next.state!['best']).toEqual(best);
  });
});
