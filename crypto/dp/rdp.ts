import { logAdd, logErfc, logSub } from './log-math.js';

// Math's functions as module constants: in a vm context (Jest) every `Math.x` is a slow global lookup.
const { SQRT2, abs, log, log1p, max } = Math;

/**
 * How fractional orders are summed (integer orders are exact either way):
 * - `abs`: every term added in absolute value, a conservative upper bound (Google dp_accounting,
 *   TF Privacy >= 0.8); stops when both term sequences decrease and are 30 nats below the total,
 *   else after 1000 terms (the order is then excluded: +Infinity).
 * - `signed`: the exact alternating series (Opacus, TF Privacy legacy); stops when terms fall below e^-30.
 */
export type FractionalSeries = 'abs' | 'signed';

const MAX_FRACTIONAL_TERMS = 1000;

/**
 * RDP ε(α) of one step of the sampled Gaussian mechanism: Poisson sampling with rate `q`, Gaussian
 * noise of `noiseMultiplier` times the L2 sensitivity, add-or-remove-one neighbours (Mironov, Talwar
 * and Zhang 2019). Steps compose by adding these per order.
 */
export function sampledGaussianRdp(q: number, noiseMultiplier: number, order: number, series: FractionalSeries): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`sampling rate must be in [0, 1], got ${q}`);
  if (!(noiseMultiplier >= 0)) throw new RangeError(`noise multiplier must be >= 0, got ${noiseMultiplier}`);
  if (!(order > 1)) throw new RangeError(`RDP orders must be > 1, got ${order}`);
  if (q === 0) return 0;
  if (noiseMultiplier === 0 || order === Infinity) return Infinity;
  if (q === 1) return order / (2 * noiseMultiplier ** 2);
  const logA = Number.isInteger(order) ? logAInteger(q, noiseMultiplier, order) : logAFractional(q, noiseMultiplier, order, series);
  return logA / (order - 1);
}

function logAInteger(q: number, sigma: number, alpha: number): number {
  const logQ = log(q);
  const log1mQ = log1p(-q);
  let logA = -Infinity;
  let logBinomial = 0;
  for (let i = 0; i <= alpha; i++) {
    logA = logAdd(logA, logBinomial + i * logQ + (alpha - i) * log1mQ + (i * i - i) / (2 * sigma * sigma));
    logBinomial += log(alpha - i) - log(i + 1);
  }
  return logA;
}

function logAFractional(q: number, sigma: number, alpha: number, series: FractionalSeries): number {
  const logQ = log(q);
  const log1mQ = log1p(-q);
  const z0 = sigma * sigma * log(1 / q - 1) + 0.5;
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  let lastS0 = -Infinity;
  let lastS1 = -Infinity;
  let logBinomial = 0; // log |C(alpha, i)|
  let positive = true; // sign of C(alpha, i)
  for (let i = 0; i < MAX_FRACTIONAL_TERMS || series === 'signed'; i++) {
    const j = alpha - i;
    const logT0 = logBinomial + i * logQ + j * log1mQ;
    const logT1 = logBinomial + j * logQ + i * log1mQ;
    const logE0 = log(0.5) + logErfc((i - z0) / (SQRT2 * sigma));
    const logE1 = log(0.5) + logErfc((z0 - j) / (SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (series === 'abs' || positive) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (series === 'signed') {
      if (max(logS0, logS1) < -30) return logAdd(logA0, logA1);
    } else {
      const total = logAdd(logA0, logA1);
      if (logS0 < lastS0 && logS1 < lastS1 && max(logS0, logS1) < total - 30) return total;
      lastS0 = logS0;
      lastS1 = logS1;
    }
    logBinomial += log(abs(alpha - i)) - log(i + 1);
    if (alpha - i < 0) positive = !positive;
    if (i > 100_000) throw new RangeError(`the signed RDP series at order ${alpha} does not converge`);
  }
  return Infinity;
}
