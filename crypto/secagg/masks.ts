import { createCipheriv, createHash } from 'node:crypto';
import { x25519 } from '../identity/index.js';

/**
 * Masks for secure aggregation, all in Z_(2^32): a 32-byte key expanded by ChaCha20 (node:crypto)
 * into uint32 words. A power-of-two modulus means the words are uniform with no modulo bias. Keys
 * are fresh every round, so the all-zero nonce never repeats under one key.
 */
export function expandMask(key: Uint8Array, words: number): Uint32Array {
  if (key.length !== 32) throw new RangeError(`a mask key is 32 bytes, got ${key.length}`);
  const cipher = createCipheriv('chacha20', key, Buffer.alloc(16));
  const stream = cipher.update(Buffer.alloc(words * 4));
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) out[i] = stream.readUInt32LE(i * 4);
  return out;
}

/**
 * The key two clinics share for their pairwise mask: X25519 of one's mask secret key with the
 * other's mask public key, hashed with the round and both ids (never the raw X25519 output), so the
 * same pair gets unrelated masks in every round and study.
 */
export function pairwiseMaskKey(round: string, ownId: string, ownSecretKey: Uint8Array, peerId: string, peerPublicKey: Uint8Array): Uint8Array {
  const shared = x25519(ownSecretKey, peerPublicKey);
  const [first, second] = ownId < peerId ? [ownId, peerId] : [peerId, ownId];
  const digest = createHash('sha256').update('cohort/secagg/pairwise/v1\0').update(`${round}\0${first}\0${second}\0`).update(shared).digest();
  return new Uint8Array(digest);
}

/** Adds (sign +1) or subtracts (sign -1) the expansion of `key` to `target`, mod 2^32, in place. */
export function applyMask(target: Uint32Array, key: Uint8Array, sign: 1 | -1): void {
  const mask = expandMask(key, target.length);
  for (let i = 0; i < target.length; i++) target[i] = (target[i]! + sign * mask[i]!) >>> 0;
}

/** How a clinic applies its pairwise mask with a peer (Bonawitz et al.: +1 if u > v, -1 if u < v), so the pair cancels. */
export function pairwiseSign(ownId: string, peerId: string): 1 | -1 {
  if (ownId === peerId) throw new RangeError(`a clinic has no pairwise mask with itself (${ownId})`);
  return ownId > peerId ? 1 : -1;
}

/**
 * A clinic's masked input: its input plus its self mask, plus its signed pairwise mask with every
 * neighbour; the pairwise masks cancel in the sum.
 */
export function maskInput(input: Uint32Array, selfMaskKey: Uint8Array, ownId: string, pairwise: readonly { peerId: string; key: Uint8Array }[]): Uint32Array {
  const masked = Uint32Array.from(input);
  applyMask(masked, selfMaskKey, 1);
  for (const { peerId, key } of pairwise) applyMask(masked, key, pairwiseSign(ownId, peerId));
  return masked;
}
