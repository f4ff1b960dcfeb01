import { describe, expect, it } from '@jest/globals';
import { absoluteRisk, horizonIndex, risksByArm, type RiskModel } from './absolute-risk.js';
import { checkTimeGrid, MAX_TIME_GRID } from '../common/model-spec.js';
import { addGridSums, breslowHazard, gridBaseline, gridSums, recentre } from './baseline-hazard.js';
import { fitCox } from './newton-raphson.js';
import { coxStatistics, type SurvivalRecords } from './partial-likelihood.js';
import { records } from './test-fixtures.js';

const LN2 = Math.log(2);
// exp(x·ln 2): relative risks 1, 2, 2, 1, 2.
const five = records([
  [1, 1, 0],
  [2, 0, 1],
  [2, 1, 1],
  [3, 1, 0],
  [4, 0, 1],
]);

function simulated(n: number, seed: number): SurvivalRecords {
  let state = seed;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const rows: [number, number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const treated = i % 2;
    const z = uniform() * 2 - 1;
    const eventTime = -Math.log(uniform()) / (0.3 * Math.exp(-0.7 * treated + 0.9 * z));
    const censor = uniform() * 6;
    rows.push([Math.ceil(Math.min(eventTime, censor) * 10) / 10, eventTime <= censor ? 1 : 0, treated, z]);
  }
  return records(rows);
}

/** The records with each event time moved to the end of its grid interval, each censoring time to its start. */
function coarsened(data: SurvivalRecords, grid: number[]): SurvivalRecords {
  const rows: [number, number, ...number[]][] = [];
  for (let i = 0; i < data.count; i++) {
    const k = grid.findIndex((g) => data.time[i]! <= g);
    const x = Array.from(data.x.subarray(i * data.covariates, (i + 1) * data.covariates));
    if (k < 0) rows.push([data.time[i]!, data.event[i]!, ...x]);
    else if (data.event[i] || data.time[i] === grid[k]) rows.push([grid[k]!, data.event[i]!, ...x]);
    else if (k > 0) rows.push([grid[k - 1]!, 0, ...x]);
  }
  return records(rows);
}

describe("Breslow's baseline hazard of one stratum", () => {
  it('adds d / S0 at each event time, at every distinct time', () => {
    const h = breslowHazard(five, [LN2]);
    expect(Array.from(h.time)).toEqual([1, 2, 3, 4]);
    const expected = [1 / 8, 1 / 8 + 1 / 7, 1 / 8 + 1 / 7 + 1 / 3, 1 / 8 + 1 / 7 + 1 / 3];
    h.hazard.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 12));
    expect(h.variance[1]).toBeCloseTo(1 / 64 + 1 / 49, 12);
    // S1 = Σ x w: 6 at time 1, 6 at time 2 (the two at 2, the one at 4), 2 at time 3.
    expect(h.slope[2]).toBeCloseTo(6 / 64 + 6 / 49 + 2 / 9, 12);
  });

  it("splits tied events as Efron's correction does", () => {
    const tied = records([
      [2, 1, 0],
      [2, 1, 1],
      [3, 0, 0],
    ]);
    expect(breslowHazard(tied, [LN2]).hazard[0]).toBeCloseTo(2 / 4, 12);
    expect(breslowHazard(tied, [LN2], { ties: 'efron' }).hazard[0]).toBeCloseTo(1 / 4 + 1 / 2.5, 12);
  });

  it('scales to another reference covariate vector, slope included', () => {
    const data = simulated(60, 3);
    const beta = [-0.5, 0.8];
    const at0 = breslowHazard(data, beta);
    const moved = recentre(at0, beta, [1, 0.25]);
    const direct = breslowHazard(data, beta, { centre: [1, 0.25] });
    for (const key of ['hazard', 'variance', 'slope'] as const) direct[key].forEach((v, k) => expect(moved[key][k]).toBeCloseTo(v, 12));
    expect(moved.hazard[5]! / at0.hazard[5]!).toBeCloseTo(Math.exp(-0.5 + 0.8 * 0.25), 12);
  });
});

describe('the baseline on a time grid, from sums that add across clinics', () => {
  it('counts events at the end of their interval and censored records until its start', () => {
    const sums = gridSums(five, [LN2], [1.5, 3, 5], [0]);
    expect(Array.from(sums.events)).toEqual([1, 2, 0]);
    // Interval 2 (1.5, 3]: the records followed to 3 or beyond (1 + 2) and the event at 2 (2); not the one censored at 2.
    expect(Array.from(sums.atRisk)).toEqual([8, 5, 0]);
    const h = gridBaseline([1.5, 3, 5], [0], sums);
    expect(Array.from(h.hazard)).toEqual([1 / 8, 1 / 8 + 2 / 5, 1 / 8 + 2 / 5]);
  });

  it("is Breslow's estimator of the records moved to the grid, and Breslow's itself on a grid of every event time", () => {
    const data = simulated(120, 11);
    const beta = [-0.6, 0.9];
    const centre = [0.5, 0];
    for (const grid of [[0.5, 1, 1.5, 2.5, 4, 6], [...new Set(Array.from(data.time).filter((_, i) => data.event[i]))].sort((a, b) => a - b)]) {
      const fromGrid = gridBaseline(grid, centre, gridSums(data, beta, grid, centre));
      const exact = breslowHazard(coarsened(data, grid), beta, { centre });
      const plain = breslowHazard(data, beta, { centre });
      grid.forEach((g, k) => {
        const at = horizonIndex(exact, g);
        expect(fromGrid.hazard[k]).toBeCloseTo(exact.hazard[at]!, 12);
        expect(fromGrid.variance[k]).toBeCloseTo(exact.variance[at]!, 12);
        for (let j = 0; j < 2; j++) expect(fromGrid.slope[k * 2 + j]).toBeCloseTo(exact.slope[at * 2 + j]!, 12);
        if (grid.length > 6) expect(fromGrid.hazard[k]).toBeCloseTo(plain.hazard[horizonIndex(plain, g)]!, 12);
      });
    }
  });

  it("adds: two clinics' sums are the sums of their records together", () => {
    const data = simulated(80, 5);
    const half = (from: number, to: number): SurvivalRecords => ({
      x: data.x.slice(from * 2, to * 2),
      time: data.time.slice(from, to),
      event: data.event.slice(from, to),
      count: to - from,
      covariates: 2,
    });
    const grid = [1, 2, 3, 5];
    const together = gridSums(data, [0.3, -0.2], grid, [0.5, 0.1]);
    const summed = addGridSums(gridSums(half(0, 30), [0.3, -0.2], grid, [0.5, 0.1]), gridSums(half(30, 80), [0.3, -0.2], grid, [0.5, 0.1]));
    for (const key of ['events', 'atRisk', 'atRiskX'] as const) together[key].forEach((v, k) => expect(summed[key][k]).toBeCloseTo(v, 12));
  });

  it('refuses a grid that is empty, too long, not positive or not increasing', () => {
    expect(() => checkTimeGrid([])).toThrow(`a time grid holds 1 to ${MAX_TIME_GRID} times, got 0`);
    expect(() => checkTimeGrid(Array.from({ length: MAX_TIME_GRID + 1 }, (_, k) => k + 1))).toThrow(`got ${MAX_TIME_GRID + 1}`);
    expect(() => checkTimeGrid([0, 1])).toThrow('time grid value 1 is 0: every time must be a positive number');
    expect(() => checkTimeGrid([1, 3, 3])).toThrow('time grid value 3 (3) does not follow 3: times must increase');
    expect(() => checkTimeGrid([1, NaN])).toThrow('time grid value 2 is NaN');
    // The model vector keeps times as float32: two that round to one are refused.
    expect(() => checkTimeGrid([1, 1 + 1e-9])).toThrow('times must increase (as float32)');
    expect(() => gridSums(five, [LN2], [2, 1], [0])).toThrow('time grid value 2 (1) does not follow 2');
  });
});

describe('absolute risk', () => {
  it('is 1 - exp(-H0 exp(xβ)), its interval on the log(-log S) scale from both variances', () => {
    const baseline = {
      time: Float64Array.of(1, 2),
      centre: Float64Array.of(0),
      hazard: Float64Array.of(0.1, 0.3),
      variance: Float64Array.of(0.001, 0.004),
      slope: Float64Array.of(0.05, 0.1),
    };
    const model: RiskModel = { coefficients: [0.5], covariance: [0.04], baseline };
    const r = absoluteRisk(model, [2], 2);
    const lambda = 0.3 * Math.exp(1);
    expect(r.risk).toBeCloseTo(1 - Math.exp(-lambda), 12);
    // Var Λ = e^{2η} (0.004 + q² 0.04), q = x H0 - slope = 0.6 - 0.1.
    const se = Math.exp(1) * Math.sqrt(0.004 + 0.25 * 0.04);
    expect(r.standardError).toBeCloseTo(se, 12);
    expect(r.low).toBeCloseTo(1 - Math.exp(-lambda * Math.exp((-1.959963984540054 * se) / lambda)), 12);
    expect(r.high).toBeCloseTo(1 - Math.exp(-lambda * Math.exp((1.959963984540054 * se) / lambda)), 12);
    expect(absoluteRisk(model, [2], 1.99).risk).toBeCloseTo(1 - Math.exp(-0.1 * Math.exp(1)), 12);
    expect(absoluteRisk(model, [2], 0.5)).toEqual({ risk: 0, low: 0, high: 0, cumulativeHazard: 0, standardError: 0 });
    expect(() => absoluteRisk(model, [2], 2.01)).toThrow("horizon 2.01 is beyond the baseline hazard's last time 2");
    expect(() => absoluteRisk(model, [2, 1], 1)).toThrow('the model has 1 covariates; the patient has 2');
  });

  it("gives each arm's risk and a difference whose variance is the delta method's over β and the baseline", async () => {
    const data = simulated(300, 17);
    const fit = await fitCox(2, (beta) => coxStatistics(data, beta, 'breslow'));
    const centre = [0.5, 0];
    const model: RiskModel = { coefficients: fit.coefficients, covariance: fit.covariance, baseline: breslowHazard(data, fit.coefficients, { centre }) };
    const patient = [0, 0.4];
    const horizon = 3;
    const arms = risksByArm(model, patient, 0, horizon);
    expect(arms.control.risk).toBeCloseTo(absoluteRisk(model, [0, 0.4], horizon).risk, 12);
    expect(arms.treated.risk).toBeCloseTo(absoluteRisk(model, [1, 0.4], horizon).risk, 12);
    expect(arms.difference.value).toBeCloseTo(arms.treated.risk - arms.control.risk, 12);
    // The same variance computed independently: the difference as a function of β (the baseline
    // recomputed from the records at each β, by finite differences), and of the hazard increments.
    const differenceAt = (beta: number[]) => {
      const h = breslowHazard(data, beta, { centre });
      const at = (x: number[]) => 1 - Math.exp(-h.hazard[horizonIndex(h, horizon)]! * Math.exp(beta.reduce((s, b, j) => s + b * (x[j]! - centre[j]!), 0)));
      return at([1, 0.4]) - at([0, 0.4]);
    };
    const beta = Array.from(fit.coefficients);
    const gradient = beta.map((_, j) => {
      const step = 1e-6;
      const up = [...beta];
      const down = [...beta];
      up[j]! += step;
      down[j]! -= step;
      return (differenceAt(up) - differenceAt(down)) / (2 * step);
    });
    let viaBeta = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) viaBeta += gradient[i]! * fit.covariance[i * 2 + j]! * gradient[j]!;
    const k = horizonIndex(model.baseline, horizon);
    const eta = (x: number[]) => Math.exp(beta.reduce((s, b, j) => s + b * (x[j]! - centre[j]!), 0));
    const dH = (1 - arms.treated.risk) * eta([1, 0.4]) - (1 - arms.control.risk) * eta([0, 0.4]);
    const viaBaseline = dH * dH * model.baseline.variance[k]!;
    expect(arms.difference.standardError ** 2 / (viaBeta + viaBaseline)).toBeCloseTo(1, 6);
    expect(arms.difference.low).toBeCloseTo(arms.difference.value - 1.959963984540054 * arms.difference.standardError, 12);
    // A treatment that lowers the hazard lowers the risk.
    expect(fit.coefficients[0]).toBeLessThan(0);
    expect(arms.difference.value).toBeLessThan(0);
  });
});
