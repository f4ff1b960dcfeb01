import { describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { x25519, x25519KeyPair } from '../identity/index.js';
import { applyMask, expandMask, maskInput, pairwiseMaskKey, pairwiseSign } from './masks.js';

const key = () => new Uint8Array(randomBytes(32));

describe('masks: exact values', () => {
  it('expands a key with ChaCha20 from counter 0 and a zero nonce (RFC 8439 A.1 test vector 1)', () => {
    // Keystream of the all-zero key and nonce: 76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28 ...
    expect([...expandMask(new Uint8Array(32), 4)]).toEqual([0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653]);
    expect(expandMask(key(), 0)).toEqual(new Uint32Array(0));
    for (const length of [16, 31, 33]) expect(() => expandMask(new Uint8Array(length), 4)).toThrow(new RangeError(`a mask key is 32 bytes, got ${length}`));
  });

  it('adds or subtracts a mask mod 2^32 in place', () => {
    const k = key();
    const mask = expandMask(k, 3);
    const target = Uint32Array.of(0, 1, 0xffffffff);
    applyMask(target, k, 1);
    expect([...target]).toEqual([mask[0]!, (1 + mask[1]!) >>> 0, (0xffffffff + mask[2]!) >>> 0]);
    applyMask(target, k, -1);
    expect([...target]).toEqual([0, 1, 0xffffffff]);
    const down = new Uint32Array(3);
    applyMask(down, k, -1);
    expect([...down]).toEqual([...mask].map((m) => (2 ** 32 - m) % 2 ** 32));
  });

  it('the pairwise key is sha256 of the context, round and both ids in order, and the X25519 point', () => {
    const a = x25519KeyPair();
    const b = x25519KeyPair();
    const expected = createHash('sha256').update('cohort/secagg/pairwise/v1\0').update('s#2\0alpha\0beta\0').update(x25519(a.secretKey, b.publicKey)).digest();
    expect(Buffer.from(pairwiseMaskKey('s#2', 'alpha', a.secretKey, 'beta', b.publicKey))).toEqual(expected);
    expect(Buffer.from(pairwiseMaskKey('s#2', 'beta', b.secretKey, 'alpha', a.publicKey))).toEqual(expected);
    expect(pairwiseMaskKey('s#2', 'alpha', a.secretKey, 'gamma', b.publicKey)).not.toEqual(new Uint8Array(expected));
  });

  it('signs a pairwise mask +1 towards a smaller id and -1 towards a larger one, never towards itself', () => {
    expect(pairwiseSign('b', 'a')).toBe(1);
    expect(pairwiseSign('a', 'b')).toBe(-1);
    expect(pairwiseSign('clinic-10', 'clinic-9')).toBe(-1);
    expect(() => pairwiseSign('a', 'a')).toThrow(new RangeError('a clinic has no pairwise mask with itself (a)'));
  });

  it('a masked input is the input plus the self mask plus each signed pairwise mask, the input untouched', () => {
    const input = Uint32Array.of(5, 6, 7, 8);
    const self = key();
    const toA = key();
    const toC = key();
    const masked = maskInput(input, self, 'b', [
      { peerId: 'a', key: toA },
      { peerId: 'c', key: toC },
    ]);
    const expected = Uint32Array.from(input);
    applyMask(expected, self, 1);
    applyMask(expected, toA, 1);
    applyMask(expected, toC, -1);
    expect(masked).toEqual(expected);
    expect([...input]).toEqual([5, 6, 7, 8]);
    // Without pairwise masks only the self mask is added.
    const alone = Uint32Array.from(input);
    applyMask(alone, self, 1);
    expect(maskInput(input, self, 'b', [])).toEqual(alone);
  });
});
