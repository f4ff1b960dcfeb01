import { CodecError } from '../codec/update-codec.js';
import type { Seal } from './seal.js';

/**
 * A named CKKS parameter set. Aggregation needs additions only, so every set has depth 0: one data
 * prime plus SEAL's special prime, the smallest ciphertexts that decrypt a sum exactly enough.
 */
export interface CkksParameterSet {
  /** Name carried in study settings, tasks and codec names, e.g. `n8192-q60-s40`. */
  readonly name: string;
  /** Ring dimension N; a ciphertext holds N/2 values. */
  readonly polyModulusDegree: number;
  /** Bit sizes of the coefficient modulus primes: data primes, then the special prime. */
  readonly coeffModulusBits: readonly number[];
  /** Values are encoded at scale 2^scaleBits: about scaleBits - 13 bits of precision after the point. */
  readonly scaleBits: number;
  /** What the set is for, in one line. */
  readonly summary: string;
}

/**
 * Largest total coefficient-modulus bits at 128-bit classical security for a ternary secret, per N,
 * from the HomomorphicEncryption.org standard (SEAL `util/hestdparms.h`). Checked against SEAL's own
 * table whenever a context is built.
 */
export const MAX_BITS_128: Readonly<Record<number, number>> = { 1024: 27, 2048: 54, 4096: 109, 8192: 218, 16384: 438, 32768: 881 };

export const PARAMETER_SETS: readonly CkksParameterSet[] = [
  {
    name: 'n8192-q60-s40',
    polyModulusDegree: 8192,
    coeffModulusBits: [60, 60],
    scaleBits: 40,
    summary: 'default: 120 of 218 bits allowed at 128-bit security, about 1e-8 absolute error, sums up to 2^18',
  },
  {
    name: 'n8192-q60-s30',
    polyModulusDegree: 8192,
    coeffModulusBits: [60, 60],
    scaleBits: 30,
    summary: 'large consortia: sums up to 2^28 (e.g. 10^5 patients per clinic), about 1e-5 absolute error',
  },
];

export const DEFAULT_PARAMETER_SET = PARAMETER_SETS[0]!;

export function parameterSetByName(name: string): CkksParameterSet {
  const set = PARAMETER_SETS.find((s) => s.name === name);
  if (!set) throw new CodecError(`unknown CKKS parameter set "${name}" (known: ${PARAMETER_SETS.map((s) => s.name).join(', ')})`);
  return set;
}

/** Total bits of the coefficient modulus, the quantity the security bound limits. */
export function totalModulusBits(set: CkksParameterSet): number {
  return set.coeffModulusBits.reduce((a, b) => a + b, 0);
}

/** Number of data primes a fresh ciphertext carries (all but the special prime). */
export function dataPrimes(set: CkksParameterSet): number {
  return set.coeffModulusBits.length - 1;
}

/**
 * Largest |value| a decrypted slot can hold without wrapping around the data modulus: coefficients
 * must stay below q/2, and the canonical embedding can double a slot's magnitude, hence two bits spare.
 */
export function headroom(set: CkksParameterSet): number {
  return 2 ** (set.coeffModulusBits[0]! - set.scaleBits - 2);
}

/** Refuses a set above the 128-bit security bound, by the standard's table and by SEAL's. */
export function checkSecurity(seal: Seal, set: CkksParameterSet): void {
  const bound = MAX_BITS_128[set.polyModulusDegree];
  const bits = totalModulusBits(set);
  if (bound === undefined) throw new CodecError(`${set.name}: N = ${set.polyModulusDegree} is not a supported ring dimension`);
  const sealBound = seal.CoeffModulus.MaxBitCount(set.polyModulusDegree, seal.SecLevelType.tc128);
  if (sealBound !== bound)
    throw new CodecError(`${set.name}: SEAL's 128-bit bound for N = ${set.polyModulusDegree} is ${sealBound} bits, the table says ${bound}`);
  if (bits > bound) throw new CodecError(`${set.name}: ${bits} modulus bits exceed the 128-bit security bound of ${bound} for N = ${set.polyModulusDegree}`);
  if (dataPrimes(set) !== 1) throw new CodecError(`${set.name}: aggregation needs exactly one data prime (depth 0)`);
}
