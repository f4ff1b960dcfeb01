import { describe, expect, it } from '@jest/globals';
import { epsilonFromRdp } from './conversion.js';
import { sampledGaussianRdp } from './rdp.js';
import { logAdd, logErfc, logNdtr, logSub } from './log-math.js';

const { log, log1p } = Math;

describe('epsilonFromRdp', () => {
  it('classic: the minimum over orders of r + log(1/δ)/(α - 1), with the order attaining it', () => {
    const delta = 1e-5;
    expect(epsilonFromRdp([2, 3, 5], [0.5, 0.2, 4], delta, 'classic')).toEqual({ epsilon: 0.2 + log(1 / delta) / 2, bestOrder: 3 });
    expect(epsilonFromRdp([2, 3], [0.5, 7], delta, 'classic')).toEqual({ epsilon: 0.5 + log(1 / delta), bestOrder: 2 });
  });

  it('improved: r + log1p(-1/α) - log(δα)/(α - 1)', () => {
    const delta = 1e-5;
    expect(epsilonFromRdp([3], [0.2], delta, 'improved')).toEqual({ epsilon: 0.2 + log1p(-1 / 3) - log(delta * 3) / 2, bestOrder: 3 });
    expect(epsilonFromRdp([1.5, 3], [0.2, 0.2], delta, 'improved').bestOrder).toBe(3);
  });

  it('improved: orders up to 1.01 are excluded as unstable', () => {
    expect(epsilonFromRdp([1.01], [0.001], 1e-5, 'improved')).toEqual({ epsilon: Infinity, bestOrder: 1.01 });
    const justAbove = epsilonFromRdp([1.0101], [0.001], 1e-5, 'improved');
    expect(justAbove.epsilon / (0.001 + log1p(-1 / 1.0101) - log(1e-5 * 1.0101) / 0.0101)).toBeCloseTo(1, 12);
  });

  it('improved: negative RDP and RDP below the KL bound cost nothing; ties keep the first order', () => {
    expect(epsilonFromRdp([2, 3], [-1, -1], 1e-5, 'improved')).toEqual({ epsilon: 0, bestOrder: 2 });
    // δ² + e^{-r} - 1 > 0: r = 1e-12 at δ = 0.1.
    expect(epsilonFromRdp([4, 8], [1e-12, 1e-12], 0.1, 'improved')).toEqual({ epsilon: 0, bestOrder: 4 });
    // Just outside the KL bound the formula applies (δ² + e^{-r} - 1 < 0 at r = 0.011).
    const r = 0.011;
    expect(epsilonFromRdp([4], [r], 0.1, 'improved').epsilon).toBe(Math.max(0, r + log1p(-1 / 4) - log(0.1 * 4) / 3));
  });

  it('never states a negative epsilon', () => {
    expect(epsilonFromRdp([2], [-100], 1e-5, 'classic')).toEqual({ epsilon: 0, bestOrder: 2 });
  });

  it('refuses mismatched curves and a delta outside (0, 1), naming them', () => {
    expect(() => epsilonFromRdp([2, 3], [1], 1e-5, 'classic')).toThrow(new RangeError('need one RDP value per order, got 2 orders and 1 values'));
    expect(() => epsilonFromRdp([], [], 1e-5, 'classic')).toThrow(new RangeError('need one RDP value per order, got 0 orders and 0 values'));
    for (const delta of [0, 1, NaN]) expect(() => epsilonFromRdp([2], [1], delta, 'improved')).toThrow(new RangeError(`delta must be in (0, 1), got ${delta}`));
  });
});

describe('log-space arithmetic', () => {
  it('logAdd adds in log space, with -Infinity as log 0', () => {
    expect(logAdd(log(2), log(3))).toBeCloseTo(log(5), 15);
    expect(logAdd(log(3), log(2))).toBeCloseTo(log(5), 15);
    expect(logAdd(-Infinity, -Infinity)).toBe(-Infinity);
    expect(logAdd(1.5, -Infinity)).toBe(1.5);
    expect(logAdd(-Infinity, 1.5)).toBe(1.5);
    expect(logAdd(-1000, -1000)).toBeCloseTo(-1000 + log(2), 12);
  });

  it('logSub subtracts in log space, accurately near equal and far apart', () => {
    expect(logSub(log(5), log(3))).toBeCloseTo(log(2), 15);
    expect(logSub(2, -Infinity)).toBe(2);
    expect(logSub(-Infinity, -Infinity)).toBe(-Infinity);
    expect(logSub(2, 2)).toBe(-Infinity);
    // Close together: log(1 - e^d) through expm1 (log1p(-e^d) would give -Infinity).
    expect(logSub(0, -1e-20)).toBeCloseTo(log(1e-20), 12);
    // Far apart: through log1p (log(-expm1(d)) would round to 0).
    expect(logSub(0, -50) / -Math.exp(-50)).toBeCloseTo(1, 12);
    // At the switch point d = -log 2 both forms agree: log(1/2).
    expect(logSub(0, -Math.LN2)).toBeCloseTo(-Math.LN2, 15);
    expect(() => logSub(1, 2)).toThrow(new RangeError('logSub: the result would be negative (log 1 - log 2)'));
  });

  it('log erfc is log(2 Φ(-x√2)), at the centre and in both tails', () => {
    expect(logErfc(0)).toBeCloseTo(0, 15);
    // erfc(1) = 0.15729920705028513, erfc(-1) = 1.8427007929497148, erfc(5) = 1.5374597944280349e-12.
    expect(logErfc(1)).toBeCloseTo(log(0.15729920705028513), 14);
    expect(logErfc(-1)).toBeCloseTo(log(1.8427007929497148), 14);
    expect(logErfc(5) / log(1.5374597944280349e-12)).toBeCloseTo(1, 13);
  });

  it('log Φ is continuous where it switches method (±2.5) and exact in the upper tail', () => {
    // Φ(2.5) = 0.9937903346742238, Φ(-2.5) = 0.006209665325776132.
    expect(logNdtr(2.5)).toBeCloseTo(log(0.9937903346742238), 15);
    expect(logNdtr(2.5000001)).toBeCloseTo(log(0.9937903346742238), 8);
    expect(logNdtr(-2.5) / log(0.006209665325776132)).toBeCloseTo(1, 13);
    expect(logNdtr(-2.5000001) / log(0.006209665325776132)).toBeCloseTo(1, 6);
    // Φ(10) = 1 - 7.61985302416047e-24: log Φ(10) = -7.61985302416047e-24.
    expect(logNdtr(10) / -7.61985302416047e-24).toBeCloseTo(1, 12);
    expect(logNdtr(-1)).toBeCloseTo(log(0.15865525393145707), 15);
    expect(logNdtr(1)).toBeCloseTo(log(0.8413447460685429), 15);
  });
});

describe('sampledGaussianRdp: its domain', () => {
  it('refuses a rate, noise or order outside its domain, naming the value', () => {
    for (const q of [-0.1, 1.1, NaN]) expect(() => sampledGaussianRdp(q, 1, 2, 'abs')).toThrow(new RangeError(`sampling rate must be in [0, 1], got ${q}`));
    for (const z of [-1, NaN]) expect(() => sampledGaussianRdp(0.5, z, 2, 'abs')).toThrow(new RangeError(`noise multiplier must be >= 0, got ${z}`));
    for (const order of [1, 0.5, NaN])
      expect(() => sampledGaussianRdp(0.5, 1, order, 'signed')).toThrow(new RangeError(`RDP orders must be > 1, got ${order}`));
  });

  it('no sampling is free even without noise; an infinite order or no noise is unbounded', () => {
    expect(sampledGaussianRdp(0, 0, 2, 'abs')).toBe(0);
    expect(sampledGaussianRdp(0.5, 1, Infinity, 'abs')).toBe(Infinity);
    expect(sampledGaussianRdp(1, 0, 2, 'signed')).toBe(Infinity);
    expect(sampledGaussianRdp(1, 2, 1.5, 'signed')).toBe(1.5 / 8);
  });

  it('integer orders are exact under either series; fractional orders differ only in how terms are summed', () => {
    expect(sampledGaussianRdp(0.01, 2.5, 5, 'signed')).toBe(sampledGaussianRdp(0.01, 2.5, 5, 'abs'));
    expect(sampledGaussianRdp(0.01, 2.5, 1.5, 'abs')).toBeGreaterThan(sampledGaussianRdp(0.01, 2.5, 1.5, 'signed'));
  });

  it('the signed series runs past 1000 terms to convergence; the abs series gives up there and excludes the order', () => {
    // Little noise at a low order: the signed series needs thousands of terms here.
    const signed = sampledGaussianRdp(0.05, 0.5, 1.25, 'signed');
    expect(signed).toBeGreaterThan(0);
    // RDP grows with the order: below the exact value at order 2.
    expect(signed).toBeLessThanOrEqual(sampledGaussianRdp(0.05, 0.5, 2, 'signed'));
    expect(sampledGaussianRdp(0.05, 0.5, 1.25, 'abs')).toBe(Infinity);
    expect(sampledGaussianRdp(0.05, 0.3, 1.25, 'abs')).toBe(Infinity);
    expect(Number.isFinite(sampledGaussianRdp(0.05, 0.3, 2, 'abs'))).toBe(true);
  });

  it('the abs series stops only once both term sequences fall and are negligible: within 5e-10 of all 1000 terms', () => {
    // The tail past the stop (terms e^-30 below the total) costs about 1e-10; stopping while one sequence still rises, 1e-9 at the first case.
    for (const [q, sigma, alpha] of [
      [1e-4, 1, 10.5],
      [1e-4, 1.5, 12.5],
      [0.01, 2, 20.5],
    ] as const) {
      expect(Math.abs(sampledGaussianRdp(q, sigma, alpha, 'abs') / absSeriesAllTerms(q, sigma, alpha) - 1)).toBeLessThan(5e-10);
    }
  });
});

/** The abs series of the sampled Gaussian's RDP summed over all 1000 terms, no stopping rule: a reference for the early stop. */
function absSeriesAllTerms(q: number, sigma: number, alpha: number): number {
  const z0 = sigma * sigma * log(1 / q - 1) + 0.5;
  let logA = -Infinity;
  let logBinomial = 0;
  for (let i = 0; i < 1000; i++) {
    const j = alpha - i;
    const s0 = logBinomial + i * log(q) + j * log1p(-q) + (i * i - i) / (2 * sigma * sigma) + log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const s1 = logBinomial + j * log(q) + i * log1p(-q) + (j * j - j) / (2 * sigma * sigma) + log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    logA = logAdd(logA, logAdd(s0, s1));
    logBinomial += log(Math.abs(alpha - i)) - log(i + 1);
  }
  return logA / (alpha - 1);
}
