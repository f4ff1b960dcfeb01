import { describe, expect, it } from '@jest/globals';
import { addStatistics, coxStatistics, emptyStatistics } from './partial-likelihood.js';
import { records } from './test-fixtures.js';

// Two covariates, tied event times, censoring at an event time and after.
const tied = records([
  [5, 1, 0.3, 1],
  [5, 1, -1.2, 0],
  [5, 0, 0.8, 1],
  [7, 1, 1.5, 0],
  [9, 0, -0.4, 1],
  [9, 1, 0.1, 1],
  [9, 1, 2.0, 0],
  [12, 0, -0.7, 0],
  [3, 1, 0.9, 1],
]);

describe('coxStatistics', () => {
  it('matches a hand computation: distinct times', () => {
    // Risk sets {0, 1} then {1}: log(1/2) + log(e/e); gradient (0 - 1/2) + (1 - 1); information 1/4.
    const stats = coxStatistics(
      records([
        [1, 1, 0],
        [2, 1, 1],
      ]),
      [0],
    );
    expect(stats.logLikelihood).toBeCloseTo(-Math.log(2), 12);
    expect(stats.gradient[0]).toBeCloseTo(-0.5, 12);
    expect(stats.information[0]).toBeCloseTo(0.25, 12);
    expect(stats.events).toBe(2);
  });

  it("matches a hand computation: two tied events, Efron's and Breslow's", () => {
    const pair = records([
      [1, 1, 0],
      [1, 1, 1],
    ]);
    // Efron: denominators 2 and 2 - (1/2)2 = 1. Breslow: 2 and 2.
    expect(coxStatistics(pair, [0], 'efron').logLikelihood).toBeCloseTo(-Math.log(2), 12);
    expect(coxStatistics(pair, [0], 'breslow').logLikelihood).toBeCloseTo(-2 * Math.log(2), 12);
    // Efron's gradient: 1 - 1/2 - 1/2 = 0; its information: 1/4 + (1/2 - 1/4) = 1/2.
    expect(coxStatistics(pair, [0], 'efron').gradient[0]).toBeCloseTo(0, 12);
    expect(coxStatistics(pair, [0], 'efron').information[0]).toBeCloseTo(0.5, 12);
  });

  it.each(['efron', 'breslow'] as const)('%s: the gradient and information are the derivatives of the likelihood', (ties) => {
    const beta = [0.4, -0.7];
    const stats = coxStatistics(tied, beta, ties);
    const h = 1e-5;
    const at = (b: number[]) => coxStatistics(tied, b, ties);
    for (let j = 0; j < 2; j++) {
      const up = beta.map((b, k) => (k === j ? b + h : b));
      const down = beta.map((b, k) => (k === j ? b - h : b));
      expect(stats.gradient[j]).toBeCloseTo((at(up).logLikelihood - at(down).logLikelihood) / (2 * h), 6);
      for (let k = 0; k < 2; k++) {
        const slope = (at(up).gradient[k]! - at(down).gradient[k]!) / (2 * h);
        expect(stats.information[j * 2 + k]).toBeCloseTo(-slope, 5);
      }
    }
    expect(stats.information[1]).toBe(stats.information[2]);
  });

  it('gives Efron and Breslow the same answer without ties', () => {
    const distinct = records([
      [2, 1, 0.5],
      [4, 0, -1],
      [6, 1, 2],
      [8, 1, 0],
    ]);
    const efron = coxStatistics(distinct, [0.3], 'efron');
    const breslow = coxStatistics(distinct, [0.3], 'breslow');
    expect(efron.logLikelihood).toBeCloseTo(breslow.logLikelihood, 12);
    expect(efron.information[0]).toBeCloseTo(breslow.information[0]!, 12);
  });

  it('does not depend on where the covariates are centred or on record order', () => {
    const shifted = { ...tied, x: tied.x.map((v, i) => v + (i % 2 ? 100 : -40)) };
    const reversed = records(
      Array.from({ length: tied.count }, (_, k) => {
        const i = tied.count - 1 - k;
        return [tied.time[i]!, tied.event[i]!, tied.x[2 * i]!, tied.x[2 * i + 1]!] as [number, number, number, number];
      }),
    );
    const base = coxStatistics(tied, [0.4, -0.7]);
    for (const other of [coxStatistics(shifted, [0.4, -0.7]), coxStatistics(reversed, [0.4, -0.7])]) {
      expect(other.logLikelihood).toBeCloseTo(base.logLikelihood, 9);
      other.gradient.forEach((g, j) => expect(g).toBeCloseTo(base.gradient[j]!, 9));
      other.information.forEach((v, j) => expect(v).toBeCloseTo(base.information[j]!, 9));
    }
  });

  it('stays finite with covariates far from 0, where exp(xβ) alone would overflow', () => {
    const far = records([
      [1, 1, 800],
      [2, 1, 801],
      [3, 0, 802],
    ]);
    const stats = coxStatistics(far, [1]);
    // Centred, the same as covariates 0, 1, 2: log(e^0 / (1 + e + e^2)) + log(e / (e + e^2)).
    expect(stats.logLikelihood).toBeCloseTo(-Math.log(1 + Math.E + Math.E ** 2) + 1 - Math.log(Math.E + Math.E ** 2), 9);
    expect(Number.isFinite(stats.gradient[0]!)).toBe(true);
  });

  it('fills the whole information matrix, symmetric, as the derivative of the gradient (three covariates)', () => {
    const three = records([
      [5, 1, 0.3, 1],
      [5, 1, -1.2, 0],
      [7, 0, 0.8, 1],
      [9, 1, 1.5, 0],
      [12, 0, -0.4, 1],
      [3, 1, 0.9, 1],
      [4, 1, 0.2, 0],
    ]);
    const withThird = {
      ...three,
      x: Float64Array.from({ length: three.count * 3 }, (_, k) => (k % 3 === 2 ? Math.sin(k) : three.x[Math.floor(k / 3) * 2 + (k % 3)]!)),
      covariates: 3,
    };
    const beta = [0.2, -0.3, 0.5];
    const stats = coxStatistics(withThird, beta);
    const h = 1e-5;
    for (let j = 0; j < 3; j++) {
      const up = coxStatistics(
        withThird,
        beta.map((b, k) => (k === j ? b + h : b)),
      );
      const down = coxStatistics(
        withThird,
        beta.map((b, k) => (k === j ? b - h : b)),
      );
      for (let k = 0; k < 3; k++) expect(stats.information[k * 3 + j]).toBeCloseTo(-(up.gradient[k]! - down.gradient[k]!) / (2 * h), 5);
    }
  });

  it('adds strata term by term, with the empty statistics as identity', () => {
    const a = coxStatistics(tied, [0.1, 0.2]);
    const b = coxStatistics(
      records([
        [1, 1, 0, 1],
        [2, 0, 1, 0],
        [3, 1, 1, 1],
      ]),
      [0.1, 0.2],
    );
    const sum = addStatistics(addStatistics(emptyStatistics(2), a), b);
    expect(sum.logLikelihood).toBeCloseTo(a.logLikelihood + b.logLikelihood, 12);
    expect(sum.gradient[1]).toBeCloseTo(a.gradient[1]! + b.gradient[1]!, 12);
    expect(sum.information[3]).toBeCloseTo(a.information[3]! + b.information[3]!, 12);
    expect(sum.events).toBe(a.events + b.events);
  });

  it('has nothing to say about a stratum without events', () => {
    const stats = coxStatistics(
      records([
        [1, 0, 3],
        [2, 0, 1],
      ]),
      [0.5],
    );
    expect(stats).toEqual(emptyStatistics(1));
  });
});
