import type { Ciphertext, SEALContext } from 'node-seal';
import { CodecError } from '../codec/update-codec.js';
import { checkSecurity, dataPrimes, headroom, parameterSetByName, type CkksParameterSet } from './parameter-sets.js';
import { loadSeal, plainBytes, sealErrorMessage, type Seal, type SealScope } from './seal.js';
import { checkSealHeader, PARMS_ID_BYTES, PARMS_ID_OFFSET, type SealHeader } from './seal-header.js';

/** SEAL's serialization of a ciphertext: header, parms_id, then fixed metadata (is_ntt_form, size, N, k, scale, correction). */
const CIPHERTEXT_METADATA_BYTES = 16 + PARMS_ID_BYTES + 1 + 5 * 8;
/** The polynomial data is a nested SEAL blob: its own 16-byte header and an 8-byte element count. */
const DATA_PREFIX_BYTES = 16 + 8;
/** A seeded ciphertext replaces its second polynomial by SEAL's PRNG seed record. */
const SEED_RECORD_BYTES = 81;

/**
 * One CKKS parameter set made ready: the SEAL context and the exact sizes and identifiers every
 * ciphertext of the set must have. Holds no key; the coordinator needs nothing more than this.
 */
export class CkksContext {
  /** Values per ciphertext (N/2). */
  readonly slotCount: number;
  /** SEAL's hash of the parameters, as stored in bytes 16..48 of every ciphertext. */
  readonly parmsId: Uint8Array;
  /** Bytes of a freshly encrypted, seeded (symmetric) ciphertext: what clinics send. */
  readonly seededCiphertextBytes: number;
  /** Bytes of a full ciphertext, e.g. a sum: what the coordinator stores and clinics download. */
  readonly ciphertextBytes: number;
  readonly scale: number;

  private constructor(
    readonly seal: Seal,
    readonly parameterSet: CkksParameterSet,
    readonly context: SEALContext,
  ) {
    const n = parameterSet.polyModulusDegree;
    const polyBytes = n * dataPrimes(parameterSet) * 8;
    this.slotCount = n / 2;
    this.scale = 2 ** parameterSet.scaleBits;
    this.seededCiphertextBytes = CIPHERTEXT_METADATA_BYTES + DATA_PREFIX_BYTES + polyBytes + SEED_RECORD_BYTES;
    this.ciphertextBytes = CIPHERTEXT_METADATA_BYTES + DATA_PREFIX_BYTES + 2 * polyBytes;
    const id = context.firstParmsId();
    try {
      this.parmsId = new Uint8Array((id.values() as BigUint64Array).slice().buffer);
    } finally {
      id.delete();
    }
  }

  /** Builds the context for a parameter set (by name or value), refusing any set above the 128-bit bound. */
  static async create(set: CkksParameterSet | string): Promise<CkksContext> {
    const parameterSet = typeof set === 'string' ? parameterSetByName(set) : set;
    const seal = await loadSeal();
    checkSecurity(seal, parameterSet);
    const parms = new seal.EncryptionParameters(seal.SchemeType.ckks);
    try {
      parms.setPolyModulusDegree(parameterSet.polyModulusDegree);
      const moduli = seal.CoeffModulus.Create(parameterSet.polyModulusDegree, Int32Array.from(parameterSet.coeffModulusBits));
      parms.setCoeffModulus(moduli);
      moduli.delete();
      const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128);
      if (!context.parametersSet()) {
        context.delete();
        throw new CodecError(`${parameterSet.name}: SEAL refuses these parameters at 128-bit security`);
      }
      return new CkksContext(seal, parameterSet, context);
    } finally {
      parms.delete();
    }
  }

  /** Largest |value| a slot of a sum may reach (see {@link headroom}). */
  get headroom(): number {
    return headroom(this.parameterSet);
  }

  /** Ciphertexts for a vector of `length` parameters plus the weight slot. */
  ciphertextsFor(length: number): number {
    return Math.ceil((length + 1) / this.slotCount);
  }

  /** Exact wire size of one clinic's update of `length` parameters. */
  updateBytes(length: number): number {
    return this.ciphertextsFor(length) * this.seededCiphertextBytes;
  }

  /** Exact size of an aggregate of updates of `length` parameters. */
  aggregateBytes(length: number): number {
    return this.ciphertextsFor(length) * this.ciphertextBytes;
  }

  /**
   * Loads one ciphertext from untrusted bytes. Everything that can be checked without SEAL is checked
   * first (header, compression, sizes, parameters), so SEAL's own parser only ever sees a blob of the
   * exact size this parameter set produces; then SEAL's validity check, then the metadata.
   */
  loadCiphertext(bytes: Uint8Array, scope: SealScope, what: string, expectedBytes: number): Ciphertext {
    const header: SealHeader = checkSealHeader(bytes, what);
    if (header.size !== expectedBytes) {
      throw new CodecError(`${what}: ${header.size} bytes, but a ciphertext of parameter set ${this.parameterSet.name} here has ${expectedBytes}`);
    }
    const parmsId = bytes.subarray(PARMS_ID_OFFSET, PARMS_ID_OFFSET + PARMS_ID_BYTES);
    if (!parmsId.every((b, i) => b === this.parmsId[i])) {
      throw new CodecError(`${what}: encrypted under other CKKS parameters than ${this.parameterSet.name} (parms_id differs)`);
    }
    const ciphertext = scope.own(new this.seal.Ciphertext());
    try {
      ciphertext.loadFromArray(this.context, plainBytes(bytes));
    } catch (error) {
      throw new CodecError(`${what}: SEAL refused it (${sealErrorMessage(this.seal, error)})`);
    }
    if (ciphertext.size() !== 2 || !ciphertext.isNttForm() || ciphertext.isTransparent()) {
      throw new CodecError(`${what}: not a fresh two-part ciphertext in NTT form`);
    }
    if (ciphertext.scale() !== this.scale) {
      throw new CodecError(`${what}: scale 2^${Math.log2(ciphertext.scale()).toFixed(2)}, expected 2^${this.parameterSet.scaleBits}`);
    }
    return ciphertext;
  }

  delete(): void {
    this.context.delete();
  }
}
