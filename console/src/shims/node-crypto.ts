/**
 * The part of node:crypto that crypto/ledger and crypto/identity use to verify, for the browser:
 * SHA-256 from @noble/hashes and Ed25519 verification from tweetnacl (the same signatures Node's
 * OpenSSL checks). The console only verifies: signing, key agreement and key generation refuse.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import nacl from 'tweetnacl';

type Bytes = Uint8Array;
const utf8 = new TextEncoder();

class Sha256 {
  private readonly hash = sha256.create();
  update(data: string | Bytes): this {
    this.hash.update(typeof data === 'string' ? utf8.encode(data) : data);
    return this;
  }
  digest(encoding: 'hex'): string {
    if (encoding !== 'hex') throw new Error(`digest(${String(encoding)}) is not available in the browser`);
    return Array.from(this.hash.digest(), (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
}

export function createHash(algorithm: string): Sha256 {
  if (algorithm !== 'sha256') throw new Error(`hash ${algorithm} is not available in the browser`);
  return new Sha256();
}

/** A DER key as crypto/identity builds it: the raw 32-byte key is its tail (RFC 8410). */
export interface KeyObject {
  readonly type: 'public' | 'private';
  readonly raw: Bytes;
}

export function createPublicKey({ key }: { key: Bytes }): KeyObject {
  return { type: 'public', raw: key.subarray(key.length - 32) };
}

export function createPrivateKey({ key }: { key: Bytes }): KeyObject {
  return { type: 'private', raw: key.subarray(key.length - 32) };
}

export function verify(_algorithm: null, message: Bytes, key: KeyObject, signature: Bytes): boolean {
  return nacl.sign.detached.verify(message, signature, key.raw);
}

export function randomBytes(size: number): Bytes {
  return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

function verifyOnly(name: string): never {
  throw new Error(`${name} is not available in the console: it only verifies`);
}

export const sign = (): never => verifyOnly('signing');
export const diffieHellman = (): never => verifyOnly('key agreement');
export const generateKeyPairSync = (): never => verifyOnly('key generation');
