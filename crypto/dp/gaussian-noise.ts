import { randomBytes } from 'node:crypto';

// Math's functions as module constants: in a vm context (Jest) every `Math.x` is a slow global lookup.
const { PI, ceil, cos, log, sin, sqrt } = Math;

/**
 * Standard normal samples from the operating system's CSPRNG (never Math.random): Box-Muller on
 * 53-bit uniforms, so the noise an adversary sees is not predictable from earlier outputs.
 */
export function gaussianNoise(count: number, standardDeviation = 1): Float64Array {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`count must be a whole number >= 0, got ${count}`);
  if (!(standardDeviation >= 0)) throw new RangeError(`standard deviation must be >= 0, got ${standardDeviation}`);
  const out = new Float64Array(count);
  const pairs = ceil(count / 2);
  const bytes = randomBytes(pairs * 16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let p = 0; p < pairs; p++) {
    // (0, 1]: never 0, so the logarithm is finite.
    const u1 = (uniform53(view, p * 16) + 1) / 2 ** 53;
    const u2 = uniform53(view, p * 16 + 8) / 2 ** 53;
    const radius = standardDeviation * sqrt(-2 * log(u1));
    out[2 * p] = radius * cos(2 * PI * u2);
    if (2 * p + 1 < count) out[2 * p + 1] = radius * sin(2 * PI * u2);
  }
  return out;
}

function uniform53(view: DataView, offset: number): number {
  return view.getUint32(offset) * 2 ** 21 + (view.getUint32(offset + 4) >>> 11);
}
