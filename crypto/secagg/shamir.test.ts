import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { combineShares, FIELD_PRIME, ShamirError, shareValueBytes, shareValueFromBytes, splitSecret } from './shamir.js';

const secret = () => new Uint8Array(randomBytes(32));
const asBigint = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);

/** Two shares of a line, at points 1 and 2. */
const line = (y1: bigint, y2: bigint) => [
  { x: 1, y: y1 },
  { x: 2, y: y2 },
];

describe('Shamir sharing: exact values and boundaries', () => {
  it('works over p = 2^521 - 1', () => {
    expect(FIELD_PRIME).toBe(2n ** 521n - 1n);
    expect(new ShamirError('x').name).toBe('ShamirError');
  });

  it('threshold 1 is the constant polynomial: every share is the secret', () => {
    const s = secret();
    expect(splitSecret(s, 1, [1, 7, 2 ** 32 - 1]).map((share) => share.y)).toEqual([asBigint(s), asBigint(s), asBigint(s)]);
    expect(combineShares([{ x: 9, y: asBigint(s) }], 1)).toEqual(s);
  });

  it('threshold 2 puts the shares on a line through the secret at 0', () => {
    const s = secret();
    const [y1, y2, y3] = splitSecret(s, 2, [1, 2, 3]).map((share) => share.y) as [bigint, bigint, bigint];
    const mod = (a: bigint) => ((a % FIELD_PRIME) + FIELD_PRIME) % FIELD_PRIME;
    expect(mod(y2 - y1)).toBe(mod(y3 - y2));
    expect(mod(2n * y1 - y2)).toBe(asBigint(s));
  });

  it('takes a threshold equal to the number of shares, and uses only the first `threshold` shares given', () => {
    const s = secret();
    const shares = splitSecret(s, 4, [5, 6, 7, 8]);
    expect(combineShares(shares, 4)).toEqual(s);
    const extra = splitSecret(s, 2, [1, 2, 3]);
    expect(combineShares([...extra.slice(0, 2), { x: 3, y: 5n }], 2)).toEqual(s);
  });

  it('takes a share whose value is 0: it is a field element like any other', () => {
    const s = new Uint8Array(32).fill(7);
    // f(x) = s - s·x: f(1) = 0, f(2) = -s.
    expect(combineShares(line(0n, FIELD_PRIME - asBigint(s)), 2)).toEqual(s);
  });

  it('refuses a reconstruction of exactly 2^256, one past the largest 32-byte secret', () => {
    const top = 1n << 256n;
    // f(x) = 2^256 + x, then f(x) = 2^256 - 1 + x.
    expect(() => combineShares(line(top + 1n, top + 2n), 2)).toThrow('the shares do not reconstruct a 32-byte secret');
    expect(combineShares(line(top, top + 1n), 2)).toEqual(new Uint8Array(32).fill(0xff));
  });

  it('the largest 32-byte secret and the zero secret come back', () => {
    for (const s of [new Uint8Array(32).fill(0xff), new Uint8Array(32)]) expect(combineShares(splitSecret(s, 3, [3, 1, 2]).reverse(), 3)).toEqual(s);
  });

  it('coefficients are uniform field elements: about half of them reach the top bit', () => {
    // Secret 0, threshold 2: the share at x = 1 is the random coefficient itself.
    const coefficients = Array.from({ length: 40 }, () => splitSecret(new Uint8Array(32), 2, [1, 2])[0]!.y);
    expect(coefficients.every((c) => c >= 0n && c < FIELD_PRIME)).toBe(true);
    expect(coefficients.some((c) => c < 1n << 520n)).toBe(true);
    expect(coefficients.some((c) => c >= 1n << 520n)).toBe(true);
    expect(coefficients.some((c) => c >= 1n << 256n)).toBe(true);
  });

  it('refuses a secret, threshold or point it cannot use, naming it', () => {
    expect(() => splitSecret(new Uint8Array(31), 1, [1])).toThrow(new ShamirError('a shared secret is 32 bytes, got 31'));
    for (const threshold of [0, 1.5, 4])
      expect(() => splitSecret(secret(), threshold, [1, 2, 3])).toThrow(
        new ShamirError(`threshold must be a whole number in 1..3 (the number of shares), got ${threshold}`),
      );
    for (const x of [0, 2 ** 32, 1.5, -1])
      expect(() => splitSecret(secret(), 1, [x])).toThrow(new ShamirError(`share points are whole numbers in 1..2^32-1, got ${x}`));
    expect(() => splitSecret(secret(), 1, [4, 4])).toThrow(new ShamirError('share point 4 appears twice'));
    expect(() => combineShares([{ x: 1, y: 1n }], 2)).toThrow(new ShamirError('need 2 shares to reconstruct, got 1'));
    expect(() => combineShares([{ x: 1, y: -1n }], 1)).toThrow(new ShamirError('share at point 1 is not a field element'));
    // p - 1 is a field element, but no 32-byte secret.
    expect(() => combineShares([{ x: 1, y: FIELD_PRIME - 1n }], 1)).toThrow(
      new ShamirError('the shares do not reconstruct a 32-byte secret: some are wrong or from another secret'),
    );
    expect(() => combineShares([{ x: 1, y: 1n << 256n }], 1)).toThrow(ShamirError);
    expect(combineShares([{ x: 1, y: (1n << 256n) - 1n }], 1)).toEqual(new Uint8Array(32).fill(0xff));
  });

  it('a share value is 66 big-endian bytes below p', () => {
    expect([...shareValueBytes({ x: 1, y: 258n })]).toEqual([...new Array(64).fill(0), 1, 2]);
    expect(shareValueBytes({ x: 1, y: FIELD_PRIME - 1n })).toHaveLength(66);
    expect(shareValueFromBytes(shareValueBytes({ x: 1, y: FIELD_PRIME - 1n }))).toBe(FIELD_PRIME - 1n);
    expect(shareValueFromBytes(new Uint8Array(66))).toBe(0n);
    expect(() => shareValueFromBytes(shareValueBytes({ x: 1, y: FIELD_PRIME }))).toThrow(new ShamirError('a share value is not a field element'));
    for (const length of [65, 67, 0])
      expect(() => shareValueFromBytes(new Uint8Array(length))).toThrow(new ShamirError(`a share value is 66 bytes, got ${length}`));
    expect(() => shareValueBytes({ x: 1, y: 1n << 528n })).toThrow(new ShamirError('value does not fit 66 bytes'));
  });
});
