import { describe, expect, it } from '@jest/globals';
import { cholesky, choleskyInverse, choleskySolve } from './linear-algebra.js';
import { coefficientTable, CoxFitError, fitCox, newtonStep, Z_975 } from './newton-raphson.js';
import { coxStatistics, type SurvivalRecords } from './partial-likelihood.js';

describe('Cholesky', () => {
  const a = Float64Array.from([4, 2, 0.4, 2, 5, 1, 0.4, 1, 3]);

  it('factors, solves and inverts a positive definite matrix', () => {
    const l = cholesky(a, 3)!;
    expect(l[0]).toBeCloseTo(2, 12);
    expect(l[1]).toBe(0); // lower triangular
    const x = choleskySolve(l, 3, [1, 2, 3]);
    for (let i = 0; i < 3; i++) expect(a[i * 3]! * x[0]! + a[i * 3 + 1]! * x[1]! + a[i * 3 + 2]! * x[2]!).toBeCloseTo(i + 1, 12);
    const inverse = choleskyInverse(l, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let product = 0;
        for (let k = 0; k < 3; k++) product += a[i * 3 + k]! * inverse[k * 3 + j]!;
        expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toBeNull();
    expect(cholesky(Float64Array.from([0]), 1)).toBeNull();
  });
});

function simulated(n: number, beta: number[], seed: number): SurvivalRecords {
  let state = seed;
  const uniform = () => ((state = (state * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const p = beta.length;
  const x = Float64Array.from({ length: n * p }, () => uniform() * 2 - 1);
  const time = new Float64Array(n);
  const event = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const rate = Math.exp(beta.reduce((s, b, j) => s + b * x[i * p + j]!, 0));
    const eventTime = -Math.log(uniform()) / rate;
    const censor = -Math.log(uniform()) * 2;
    time[i] = Math.ceil(Math.min(eventTime, censor) * 20) / 20; // rounded: ties occur
    event[i] = eventTime <= censor ? 1 : 0;
  }
  return { x, time, event, count: n, covariates: p };
}

describe('fitCox', () => {
  it('reaches the maximum: zero gradient, and no nearby point is more likely', async () => {
    const data = simulated(400, [1, -0.5], 7);
    const fit = await fitCox(2, (beta) => coxStatistics(data, beta));
    expect(fit.converged).toBe(true);
    const at = coxStatistics(data, fit.coefficients);
    at.gradient.forEach((g) => expect(Math.abs(g)).toBeLessThan(1e-6));
    for (const nudge of [
      [0.01, 0],
      [0, -0.01],
      [-0.01, 0.01],
    ]) {
      expect(
        coxStatistics(
          data,
          fit.coefficients.map((b, j) => b + nudge[j]!),
        ).logLikelihood,
      ).toBeLessThan(fit.logLikelihood.final);
    }
    expect(fit.coefficients[0]).toBeGreaterThan(0.6); // the simulated effects, roughly
    expect(fit.coefficients[1]).toBeLessThan(-0.2);
    expect(fit.logLikelihood.initial).toBeCloseTo(coxStatistics(data, [0, 0]).logLikelihood, 12);
  });

  it('converges at once when β = 0 is already the maximum', async () => {
    // Mirror-image patients: at β = 0 the gradient is 0, so the first step goes nowhere.
    const symmetric: SurvivalRecords = {
      x: Float64Array.of(1, -1, 1, -1),
      time: Float64Array.of(1, 1, 2, 2),
      event: Uint8Array.of(1, 1, 1, 1),
      count: 4,
      covariates: 1,
    };
    const fit = await fitCox(1, (beta) => coxStatistics(symmetric, beta));
    expect(fit).toMatchObject({ converged: true, iterations: 1 });
    expect(fit.coefficients[0]).toBeCloseTo(0, 12);
  });

  it('evaluates at most maxIterations times after the start', async () => {
    const data = simulated(200, [1], 5);
    let evaluations = 0;
    const fit = await fitCox(1, (beta) => (evaluations++, coxStatistics(data, beta)), { maxIterations: 2, tolerance: 0 });
    expect(evaluations).toBe(3);
    expect(fit).toMatchObject({ iterations: 2, converged: false });
  });

  it('halves a step that lowers the likelihood, and still converges to the maximum', async () => {
    const data = simulated(200, [1], 3);
    const plain = await fitCox(1, (beta) => coxStatistics(data, beta));
    // Understating the information at the start makes the first step twenty times too long.
    const misled = (beta: Float64Array) => {
      const stats = coxStatistics(data, beta);
      return beta[0] === 0 ? { ...stats, information: stats.information.map((v) => v / 20) } : stats;
    };
    const seen: number[] = [];
    const tried: number[] = [];
    const fit = await fitCox(1, (beta) => (tried.push(beta[0]!), misled(beta)), { onIteration: (_, logLikelihood) => seen.push(logLikelihood) });
    expect(seen[1]).toBeLessThan(seen[0]!); // the overshoot
    expect(tried[2]).toBeCloseTo((tried[1]! + tried[0]!) / 2, 12); // half way back to the start
    expect(fit.converged).toBe(true);
    expect(fit.coefficients[0]).toBeCloseTo(plain.coefficients[0]!, 8);
    expect(fit.iterations).toBeGreaterThan(plain.iterations);
  });

  it('stops at maxIterations without claiming convergence', async () => {
    const data = simulated(200, [1], 5);
    const fit = await fitCox(1, (beta) => coxStatistics(data, beta), { maxIterations: 1 });
    expect(fit.iterations).toBe(1);
    expect(fit.converged).toBe(false);
  });

  it('says why when a covariate carries no information', async () => {
    const data = simulated(50, [1, 0], 9);
    const constant = { ...data, x: data.x.map((v, i) => (i % 2 ? 3 : v)) };
    await expect(fitCox(2, (beta) => coxStatistics(constant, beta))).rejects.toMatchObject({ name: 'CoxFitError' });
    await expect(fitCox(2, (beta) => coxStatistics(constant, beta))).rejects.toThrow(CoxFitError);
    expect(() => newtonStep(new Float64Array(2), coxStatistics(constant, [0, 0]))).toThrow('not positive definite');
  });
});

describe('coefficientTable', () => {
  it('reports hazard ratios with 95% Wald intervals', () => {
    const fit = { coefficients: Float64Array.of(-0.5), standardErrors: Float64Array.of(0.2) } as Parameters<typeof coefficientTable>[1];
    const [row] = coefficientTable(['treatment'], fit);
    expect(row).toEqual({
      name: 'treatment',
      coef: -0.5,
      se: 0.2,
      hazard_ratio: Math.exp(-0.5),
      ci_low: Math.exp(-0.5 - Z_975 * 0.2),
      ci_high: Math.exp(-0.5 + Z_975 * 0.2),
    });
    expect(Z_975).toBeCloseTo(1.95996398454, 10);
  });
});
