import { describe, expect, it } from '@jest/globals';
import { bytesToWords, dequantizeSum, fixedPointFor, MASKED_INPUT_CODEC, quantizeWeighted, wordsToBytes } from './fixed-point.js';

/** The sum mod 2^32 of each clinic's quantised words, as the unmasked secure sum is. */
function sumOf(parts: Uint32Array[]): Uint32Array {
  const sum = new Uint32Array(parts[0]!.length);
  for (const words of parts) words.forEach((w, i) => (sum[i] = (sum[i]! + w) >>> 0));
  return sum;
}

describe('fixed point for secure sums', () => {
  it('the scale is the largest that keeps clip × total weight within int32', () => {
    expect(fixedPointFor(1, 1)).toEqual({ clip: 1, maxTotalWeight: 1, scale: 2 ** 31 - 1 });
    expect(fixedPointFor(0.5, 3).scale).toBe(Math.floor((2 ** 31 - 1) / 1.5));
    expect(fixedPointFor(2 ** 31 - 1, 1).scale).toBe(1);
    expect(() => fixedPointFor(2 ** 31, 1)).toThrow(new RangeError(`clip ${2 ** 31} x total weight 1 leaves no room for precision in 32 bits`));
  });

  it.each([
    [1, 1],
    [0.5, 3],
    [1, 7],
    [0.1, 1000],
  ])('the extreme sum at clip %p and total weight %p comes back exact, never wrapped past int32', (clip, total) => {
    const fp = fixedPointFor(clip, total);
    // One clinic holding the whole weight, every value at +clip, then at -clip: the largest sums of either sign.
    for (const sign of [1, -1]) {
      const { words } = quantizeWeighted([sign * clip, sign * clip * 10], total, fp);
      expect((words[0]! | 0) * sign).toBeGreaterThan(0);
      expect(words[1]).toBe(words[0]);
      const { values, weight } = dequantizeSum(words, fp);
      expect(weight).toBe(total);
      expect(Math.abs(values[0]! - sign * clip)).toBeLessThanOrEqual(0.5 / (fp.scale * total));
    }
  });

  it.each([1, 3, 7])('%p clinics of weight 1 at ±clip 1 sum to exactly ±(2^31 - 1) / scale', (total) => {
    const fp = fixedPointFor(1, total);
    for (const sign of [1, -1]) {
      const sum = sumOf(Array.from({ length: total }, () => quantizeWeighted([sign], 1, fp).words));
      expect(sum[0]! | 0).toBe(sign * total * fp.scale);
      expect(Math.abs(sum[0]! | 0)).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(dequantizeSum(sum, fp)).toEqual({ values: Float64Array.of(sign), weight: total });
    }
  });

  it('refuses a clip range or total weight bound it cannot use, naming it', () => {
    for (const clip of [0, -1, Infinity, NaN])
      expect(() => fixedPointFor(clip, 10)).toThrow(new RangeError(`the clipping range must be a positive number, got ${clip}`));
    for (const total of [0, 1.5, -3, NaN])
      expect(() => fixedPointFor(1, total)).toThrow(new RangeError(`the total weight bound must be a whole number >= 1, got ${total}`));
    expect(fixedPointFor(1e-9, 1).clip).toBe(1e-9);
  });

  it('quantises w·δ·scale in two’s complement, the weight last, and counts the values it clipped', () => {
    const fp = fixedPointFor(0.5, 10);
    const { words, clipped } = quantizeWeighted([0.25, -0.25, 0.5, -0.5, 0.75, -2, 0], 2, fp);
    const v = Math.round(0.25 * 2 * fp.scale);
    const c = Math.round(0.5 * 2 * fp.scale);
    // Negative values wrap to 2^32 - |x| (Math.round takes halves upwards, so -v may differ by one).
    const minusV = 2 ** 32 + Math.round(-0.25 * 2 * fp.scale);
    const minusC = 2 ** 32 + Math.round(-0.5 * 2 * fp.scale);
    expect(minusV).toBeGreaterThan(2 ** 31);
    expect([...words]).toEqual([v, minusV, c, minusC, c, minusC, 0, 2]);
    // Values exactly at ±clip are not clipped.
    expect(clipped).toBe(2);
    expect(quantizeWeighted([], 1, fp)).toEqual({ words: Uint32Array.of(1), clipped: 0 });
  });

  it('takes weights 1 up to the bound, and refuses others', () => {
    const fp = fixedPointFor(1, 10);
    expect(quantizeWeighted([1], 1, fp).words[1]).toBe(1);
    expect(quantizeWeighted([1], 10, fp).words[1]).toBe(10);
    for (const weight of [0, 11, 2.5, NaN])
      expect(() => quantizeWeighted([1], weight, fp)).toThrow(new RangeError(`a weight must be a whole number in 1..10, got ${weight}`));
    for (const value of [NaN, Infinity, -Infinity]) expect(() => quantizeWeighted([0, value], 1, fp)).toThrow(new RangeError(`update value 1 is ${value}`));
  });

  it('dequantises the weighted mean from the sum, and refuses a summed weight outside 1..bound', () => {
    const fp = fixedPointFor(1, 10);
    const sum = sumOf([quantizeWeighted([0.5, -1], 3, fp).words, quantizeWeighted([-0.25, 1], 7, fp).words]);
    const { values, weight } = dequantizeSum(sum, fp);
    expect(weight).toBe(10);
    expect(values).toHaveLength(2);
    expect(values[0]).toBeCloseTo((3 * 0.5 - 7 * 0.25) / 10, 8);
    expect(values[1]).toBeCloseTo((-3 + 7) / 10, 8);
    expect(dequantizeSum(Uint32Array.of(fp.scale, 1), fp)).toEqual({ values: Float64Array.of(1), weight: 1 });
    for (const bad of [0, 11]) {
      expect(() => dequantizeSum(Uint32Array.of(0, bad), fp)).toThrow(
        new RangeError(`the summed weight ${bad} is outside 1..10: the sum is corrupt or the bound too small`),
      );
    }
  });

  it('masked inputs travel as little-endian 32-bit words under their codec name', () => {
    expect(MASKED_INPUT_CODEC).toBe('secagg-u32');
    const words = Uint32Array.of(1, 0x80000000, 0xdeadbeef);
    const bytes = wordsToBytes(words);
    expect([...bytes]).toEqual([1, 0, 0, 0, 0, 0, 0, 0x80, 0xef, 0xbe, 0xad, 0xde]);
    expect(bytesToWords(bytes)).toEqual(words);
    // A view into a larger buffer is read from its own offset.
    const framed = new Uint8Array([9, 9, 9, 9, ...bytes, 9]).subarray(4, 16);
    expect(bytesToWords(framed)).toEqual(words);
    expect(bytesToWords(new Uint8Array(0))).toEqual(new Uint32Array(0));
    expect(wordsToBytes(new Uint32Array(0))).toHaveLength(0);
    for (const length of [1, 5, 7])
      expect(() => bytesToWords(new Uint8Array(length))).toThrow(new RangeError(`a masked input is whole 32-bit words, got ${length} bytes`));
  });
});
