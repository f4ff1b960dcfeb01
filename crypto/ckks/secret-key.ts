import { createHash } from 'node:crypto';
import type { Encryptor, SecretKey } from 'node-seal';
import { CodecError } from '../codec/update-codec.js';
import type { CkksContext } from './context.js';
import { checkSealHeader } from './seal-header.js';
import { plainBytes, sealErrorMessage } from './seal.js';

/**
 * A study's CKKS secret key, held only by clinics. Generated once per study in the key ceremony
 * (SEAL samples it from the platform CSPRNG: crypto.getRandomValues under WebAssembly) and shared
 * sealed to each enrolled clinic; never sent to the coordinator.
 */
export class CkksSecretKey {
  /** Names the key without revealing it: the first 16 bytes of a SHA-256 over the parameter set and the key, hex. */
  readonly keyId: string;

  private constructor(
    readonly ckks: CkksContext,
    readonly secretKey: SecretKey,
    bytes: Uint8Array,
  ) {
    this.keyId = keyIdOf(ckks.parameterSet.name, bytes);
  }

  static generate(ckks: CkksContext): CkksSecretKey {
    const generator = new ckks.seal.KeyGenerator(ckks.context);
    try {
      const secretKey = generator.secretKey();
      return new CkksSecretKey(ckks, secretKey, secretKey.saveToArray(ckks.seal.ComprModeType.none) as Uint8Array);
    } finally {
      generator.delete();
    }
  }

  /** Loads a key serialized by {@link toBytes}; its header is checked before SEAL parses it. */
  static fromBytes(ckks: CkksContext, bytes: Uint8Array): CkksSecretKey {
    checkSealHeader(bytes, 'secret key');
    const secretKey = new ckks.seal.SecretKey();
    try {
      secretKey.loadFromArray(ckks.context, plainBytes(bytes));
    } catch (error) {
      secretKey.delete();
      throw new CodecError(`secret key does not load for parameter set ${ckks.parameterSet.name}: ${sealErrorMessage(ckks.seal, error)}`);
    }
    return new CkksSecretKey(ckks, secretKey, bytes);
  }

  toBytes(): Uint8Array {
    return this.secretKey.saveToArray(this.ckks.seal.ComprModeType.none) as Uint8Array;
  }

  /**
   * An encryptor for seeded symmetric encryption. SEAL's Encryptor must be built from a public key,
   * which a key holder derives from the secret key; symmetric encryption then uses the secret key.
   */
  createEncryptor(): Encryptor {
    const { seal, context } = this.ckks;
    const generator = new seal.KeyGenerator(context, this.secretKey);
    const publicKey = generator.createPublicKey();
    try {
      const encryptor = new seal.Encryptor(context, publicKey);
      encryptor.setSecretKey(this.secretKey);
      return encryptor;
    } finally {
      publicKey.delete();
      generator.delete();
    }
  }

  delete(): void {
    this.secretKey.delete();
  }
}

export function keyIdOf(parameterSet: string, secretKeyBytes: Uint8Array): string {
  return createHash('sha256').update(`cohort/ckks-key-id/v1\0${parameterSet}\0`).update(secretKeyBytes).digest('hex').slice(0, 32);
}
