import { randomBytes } from 'node:crypto';

// Math's functions as module constants: in a vm context (Jest) every `Math.x` is a slow global lookup.
const { exp, floor, log, min } = Math;

/** Largest sigma: every sample (below about 37 t, t = floor(sigma) + 1) stays an exact integer in a double. */
const MAX_SIGMA = 2 ** 40;
/** Each attempt reads 16 bytes: a 53-bit uniform and a sign bit for the proposal, a 53-bit uniform to accept. */
const ATTEMPT_BYTES = 16;
/** At most this many attempts' bytes are read from the CSPRNG at once (1 MiB). */
const MAX_BATCH_ATTEMPTS = 2 ** 16;

/**
 * `count` integer samples of the discrete Gaussian N_Z(0, sigma²) (P(x) ∝ exp(-x²/(2 sigma²)) on the
 * integers), the noise a clinic adds to its fixed-point update before secure aggregation masks it.
 *
 * Canonne, Kamath and Steinke 2020 (Algorithm 3): propose Y from the discrete Laplace with scale
 * t = floor(sigma) + 1 (P(y) ∝ exp(-|y|/t): a geometric magnitude and a sign, the pair (-, 0) redrawn
 * so 0 is not counted twice), accept with probability exp(-(|Y| - sigma²/t)² / (2 sigma²)). Every bit
 * comes from node:crypto's CSPRNG, read in batches. The geometric draw (inversion, floor(-t log U))
 * and the acceptance test use floating-point log and exp on 53-bit uniforms, not the paper's exact
 * rational arithmetic: each probability is off by about 2^-53 relative, far below what a
 * (epsilon, delta) guarantee at any practical delta resolves.
 *
 * The variance is at most sigma², and equal to it to double precision for sigma >= 1.5; below that it
 * is smaller (0.215 at sigma 0.5). sigma = 0 gives zeros.
 */
export function discreteGaussianNoise(sigma: number, count: number): Float64Array {
  if (!(Number.isFinite(sigma) && sigma >= 0 && sigma <= MAX_SIGMA)) throw new RangeError(`sigma must be a finite number in [0, 2^40], got ${sigma}`);
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  const out = new Float64Array(count);
  if (sigma === 0) return out;
  const t = floor(sigma) + 1;
  const twiceVariance = 2 * sigma * sigma;
  const shift = (sigma * sigma) / t;
  let view = new DataView(new ArrayBuffer(0));
  let offset = 0;
  for (let i = 0; i < count;) {
    if (offset === view.byteLength) {
      // About 1.3 attempts per sample for large sigma, up to about 3 as sigma nears 0: a short batch is topped up.
      const bytes = randomBytes(ATTEMPT_BYTES * min(MAX_BATCH_ATTEMPTS, 2 * (count - i) + 16));
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      offset = 0;
    }
    // (0, 1]: never 0, so the logarithm is finite.
    const u = (uniform53(view, offset) + 1) / 2 ** 53;
    const negative = (view.getUint32(offset + 4) & 1) === 1; // a bit uniform53 does not use
    const magnitude = floor(-t * log(u)); // geometric: P(magnitude >= k) = exp(-k/t)
    const accept = uniform53(view, offset + 8) / 2 ** 53 < exp(-((magnitude - shift) ** 2) / twiceVariance);
    offset += ATTEMPT_BYTES;
    if (accept && !(negative && magnitude === 0)) out[i++] = negative ? -magnitude : magnitude;
  }
  return out;
}

/** 53 uniform bits from 8 bytes (the low 11 left unused). */
function uniform53(view: DataView, offset: number): number {
  return view.getUint32(offset) * 2 ** 21 + (view.getUint32(offset + 4) >>> 11);
}
