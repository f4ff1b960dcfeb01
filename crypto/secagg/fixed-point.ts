/**
 * Weighted updates as integers in Z_(2^32), so masked sums are exact: each value is clipped to
 * [-clip, clip], multiplied by the clinic's weight (its sample count) and by `scale`, rounded to the
 * nearest integer and stored in two's complement; the weight itself travels in one extra word, so
 * the total weight is summed under the masks too and the coordinator learns only Σw·δ and Σw.
 * `scale` is the largest that keeps any sum within int32 for a total weight up to `maxTotalWeight`.
 */
export interface FixedPoint {
  clip: number;
  maxTotalWeight: number;
  scale: number;
}

export function fixedPointFor(clip: number, maxTotalWeight: number): FixedPoint {
  if (!(clip > 0 && Number.isFinite(clip))) throw new RangeError(`the clipping range must be a positive number, got ${clip}`);
  if (!(Number.isInteger(maxTotalWeight) && maxTotalWeight >= 1))
    throw new RangeError(`the total weight bound must be a whole number >= 1, got ${maxTotalWeight}`);
  const scale = Math.floor((2 ** 31 - 1) / (clip * maxTotalWeight));
  if (scale < 1) throw new RangeError(`clip ${clip} x total weight ${maxTotalWeight} leaves no room for precision in 32 bits`);
  return { clip, maxTotalWeight, scale };
}

/** `[w·δ_0·scale, …, w·δ_{P-1}·scale, w]` mod 2^32, and how many values were clipped. */
export function quantizeWeighted(delta: ArrayLike<number>, weight: number, fp: FixedPoint): { words: Uint32Array; clipped: number } {
  if (!(Number.isInteger(weight) && weight >= 1 && weight <= fp.maxTotalWeight)) {
    throw new RangeError(`a weight must be a whole number in 1..${fp.maxTotalWeight}, got ${weight}`);
  }
  const words = new Uint32Array(delta.length + 1);
  let clipped = 0;
  for (let i = 0; i < delta.length; i++) {
    const value = delta[i]!;
    if (!Number.isFinite(value)) throw new RangeError(`update value ${i} is ${value}`);
    const bounded = Math.max(-fp.clip, Math.min(fp.clip, value));
    if (bounded !== value) clipped++;
    words[i] = Math.round(bounded * weight * fp.scale) >>> 0;
  }
  words[delta.length] = weight;
  return { words, clipped };
}

/** The weighted mean Σw·δ / Σw from an unmasked sum of quantised updates. */
export function dequantizeSum(sum: Uint32Array, fp: FixedPoint): { values: Float64Array; weight: number } {
  const weight = sum[sum.length - 1]!;
  if (weight < 1 || weight > fp.maxTotalWeight) {
    throw new RangeError(`the summed weight ${weight} is outside 1..${fp.maxTotalWeight}: the sum is corrupt or the bound too small`);
  }
  const values = new Float64Array(sum.length - 1);
  for (let i = 0; i < values.length; i++) values[i] = (sum[i]! | 0) / (fp.scale * weight);
  return { values, weight };
}

/** The codec name of a masked input: P + 1 words mod 2^32, little-endian. */
export const MASKED_INPUT_CODEC = 'secagg-u32';

export function wordsToBytes(words: Uint32Array): Uint8Array {
  const bytes = Buffer.alloc(words.length * 4);
  for (let i = 0; i < words.length; i++) bytes.writeUInt32LE(words[i]!, i * 4);
  return bytes;
}

export function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`a masked input is whole 32-bit words, got ${bytes.length} bytes`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.readUInt32LE(i * 4);
  return words;
}
