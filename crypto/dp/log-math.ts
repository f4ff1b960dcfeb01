/** Log-space arithmetic for the RDP accountant: sums of terms far below or above double range. */

// Math's functions as module constants: in a vm context (Jest) every `Math.x` is a slow global lookup.
const { LN2, PI, SQRT2, abs, exp, expm1, log, log1p, max, min, sqrt } = Math;

export function logAdd(a: number, b: number): number {
  const hi = max(a, b);
  const lo = min(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + log1p(exp(lo - hi));
}

/** log(exp(a) - exp(b)) for a >= b; -Infinity when they are equal. */
export function logSub(a: number, b: number): number {
  if (b > a) throw new RangeError(`logSub: the result would be negative (log ${a} - log ${b})`);
  // b = -Infinity needs no case of its own: d is -Infinity and log1p(-0) adds nothing to a.
  if (a === b) return -Infinity;
  const d = b - a;
  // log(1 - e^d): expm1 near 0, log1p far below.
  return a + (d > -LN2 ? log(-expm1(d)) : log1p(-exp(d)));
}

const LOG_SQRT_2PI = 0.5 * log(2 * PI);

/**
 * log Φ(x), the log of the standard normal CDF, accurate to about 1e-14 relative from the far lower
 * tail to the upper one: an all-positive erf series near the centre, the continued fraction of the
 * Mills ratio in the tails (no cancellation in either).
 */
export function logNdtr(x: number): number {
  if (x > 2.5) return log1p(-exp(logNdtr(-x)));
  if (x < -2.5) return -0.5 * x * x - LOG_SQRT_2PI + log(millsRatio(-x));
  const z = abs(x) / SQRT2;
  const erf = erfSeries(z);
  return log(x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf));
}

/** log erfc(x) = log(2 Φ(-x √2)). */
export function logErfc(x: number): number {
  return LN2 + logNdtr(-x * SQRT2);
}

/** erf(z) = 2/√π e^{-z²} Σ (2z²)^n z / (1·3·…·(2n+1)): every term positive. */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / sqrt(PI)) * exp(-z * z) * sum;
}

/** Φ(-t)/φ(t) for t > 0, by Lentz's method on 1/(t + 1/(t + 2/(t + 3/(t + …)))). */
function millsRatio(t: number): number {
  const tiny = 1e-300;
  let f = t;
  let c = t;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    d = t + n * d;
    d = d === 0 ? tiny : 1 / d;
    c = t + n / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (abs(delta - 1) < 1e-16) break;
  }
  return 1 / f;
}
