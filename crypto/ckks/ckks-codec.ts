import type { Encryptor } from 'node-seal';
import { CodecError, type DecodedUpdate, type UpdateCodec } from '../codec/update-codec.js';
import type { CkksContext } from './context.js';
import type { CkksSecretKey } from './secret-key.js';
import { splitSealBlobs } from './seal-header.js';
import { withScope } from './seal.js';

/**
 * Clinic side of CKKS aggregation, held by clinics only (it needs the study's secret key).
 *
 * Encoding weights in plaintext before encryption: the slots carry `w * delta` and, in the slot after
 * the last parameter, `w` itself, so the coordinator's sum of ciphertexts holds both the weighted sum
 * and the total weight, spends no level (depth 0), and reveals neither a clinic's count nor its update.
 * Ciphertexts are seeded symmetric encryptions (half the size of public-key ones), uncompressed.
 */
export class CkksUpdateCodec implements UpdateCodec {
  readonly name: string;
  private readonly encryptor: Encryptor;
  private readonly decryptor;
  private readonly encoder;

  constructor(
    private readonly ckks: CkksContext,
    private readonly key: CkksSecretKey,
  ) {
    if (key.ckks !== ckks) throw new CodecError('the secret key belongs to another CKKS context');
    this.name = ckksCodecName(ckks.parameterSet.name);
    this.encryptor = key.createEncryptor();
    this.decryptor = new ckks.seal.Decryptor(ckks.context, key.secretKey);
    this.encoder = new ckks.seal.CKKSEncoder(ckks.context);
  }

  get keyId(): string {
    return this.key.keyId;
  }

  encodedBytes(length: number): number {
    return this.ckks.updateBytes(length);
  }

  /** Exact size of a sum of updates of `length` parameters (what clinics download). */
  aggregateBytes(length: number): number {
    return this.ckks.aggregateBytes(length);
  }

  /**
   * Encrypts `weight * delta` and `weight`. `contributors` is how many clinics' updates the sum will
   * hold: the encoder refuses values whose sum could overflow the parameter set's headroom.
   */
  encode(delta: Float32Array, weight: number, contributors = 1): Uint8Array {
    if (!(Number.isInteger(weight) && weight >= 1)) throw new CodecError(`the weight must be a positive integer sample count, got ${weight}`);
    const limit = this.ckks.headroom / contributors;
    const slots = this.ckks.slotCount;
    const values = new Float64Array(this.ckks.ciphertextsFor(delta.length) * slots);
    for (let i = 0; i < delta.length; i++) {
      const v = delta[i]!;
      if (!Number.isFinite(v)) throw new CodecError(`parameter ${i} is ${v}: updates must be finite`);
      values[i] = weight * v;
      if (Math.abs(values[i]!) > limit) {
        throw new CodecError(
          `weighted parameter ${i} is ${values[i]!.toExponential(3)}: with ${contributors} clinics, parameter set ${this.ckks.parameterSet.name} holds at most ${limit.toExponential(3)} per clinic (choose a set with more headroom)`,
        );
      }
    }
    if (weight > limit)
      throw new CodecError(`weight ${weight} exceeds the ${limit.toExponential(3)} each of ${contributors} clinics may add in ${this.ckks.parameterSet.name}`);
    values[delta.length] = weight;
    const { seal } = this.ckks;
    const out = new Uint8Array(this.encodedBytes(delta.length));
    for (let c = 0, offset = 0; c < values.length / slots; c++) {
      const blob = withScope((scope) => {
        const plaintext = scope.own(new seal.Plaintext());
        this.encoder.encode(values.subarray(c * slots, (c + 1) * slots), this.ckks.scale, plaintext);
        const seeded = scope.own(this.encryptor.encryptSymmetricSerializable(plaintext));
        return seeded.saveToArray(seal.ComprModeType.none) as Uint8Array;
      });
      if (blob.length !== this.ckks.seededCiphertextBytes) {
        throw new CodecError(`SEAL produced a ${blob.length}-byte ciphertext, expected ${this.ckks.seededCiphertextBytes}`);
      }
      out.set(blob, offset);
      offset += blob.length;
    }
    return out;
  }

  /**
   * Decrypts an update or an aggregate of updates of `length` parameters: the weighted mean and the
   * total weight. A wrong key or a corrupted sum shows as a total weight that is not a whole count.
   */
  decode(bytes: Uint8Array, length: number): DecodedUpdate {
    const count = this.ckks.ciphertextsFor(length);
    const parts = splitSealBlobs(bytes, 'encrypted model');
    if (parts.length !== count) throw new CodecError(`encrypted model has ${parts.length} ciphertexts, ${length} parameters need ${count}`);
    const slots = this.ckks.slotCount;
    const sums = new Float64Array(count * slots);
    parts.forEach((part, c) =>
      withScope((scope) => {
        const expected = part.length === this.ckks.seededCiphertextBytes ? part.length : this.ckks.ciphertextBytes;
        const ciphertext = this.ckks.loadCiphertext(part, scope, `encrypted model, ciphertext ${c}`, expected);
        const plaintext = scope.own(new this.ckks.seal.Plaintext());
        this.decryptor.decrypt(ciphertext, plaintext);
        sums.set(this.encoder.decodeFloat64(plaintext) as Float64Array, c * slots);
      }),
    );
    const weight = sums[length]!;
    const whole = Math.round(weight);
    if (!(whole >= 1) || Math.abs(weight - whole) > 1e-3 || whole > this.ckks.headroom) {
      throw new CodecError(
        `the encrypted model does not decrypt to a whole total weight (got ${weight}): it was encrypted under another key, or its sum is corrupted`,
      );
    }
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++) values[i] = sums[i]! / whole;
    return { values, weight: whole };
  }

  delete(): void {
    this.encryptor.delete();
    this.decryptor.delete();
    this.encoder.delete();
  }
}

export const CKKS_CODEC_PREFIX = 'ckks:';

export function ckksCodecName(parameterSet: string): string {
  return `${CKKS_CODEC_PREFIX}${parameterSet}`;
}
