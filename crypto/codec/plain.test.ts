import { describe, expect, it } from '@jest/globals';
import { plainFloat32Codec } from '../index.js';

describe('plain-f32 codec', () => {
  it('round-trips float32 values exactly', () => {
    const values = new Float32Array([0, -1.5, 3.25e-7, 65504, -0]);
    expect(plainFloat32Codec.decode(plainFloat32Codec.encode(values), values.length)).toEqual({ values, weight: null });
    expect(plainFloat32Codec.encodedBytes(10)).toBe(40);
  });

  it('refuses a wrong length, naming both counts', () => {
    const bytes = plainFloat32Codec.encode(new Float32Array(12));
    expect(() => plainFloat32Codec.decode(bytes, 14)).toThrow('expected 14 float32 parameters (56 bytes), got 48 bytes (12 parameters)');
    expect(() => plainFloat32Codec.decode(bytes.subarray(0, 47), 12)).toThrow(/got 47 bytes$/);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %p, naming the parameter', (bad) => {
    const values = new Float32Array([1, 2, bad, 4]);
    expect(() => plainFloat32Codec.decode(plainFloat32Codec.encode(values), 4)).toThrow(`parameter 2 is ${bad}`);
  });
});
