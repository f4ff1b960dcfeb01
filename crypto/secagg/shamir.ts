import { randomBytes } from 'node:crypto';

/**
 * Shamir t-of-n secret sharing of 32-byte secrets over GF(p), p = 2^521 - 1 (a Mersenne prime, so a
 * whole secret fits one field element and reduction is cheap). Coefficients are uniform in the field
 * (rejection sampling from the CSPRNG), so fewer than t shares reveal nothing about the secret.
 */
export const FIELD_PRIME = (1n << 521n) - 1n;
const FIELD_BYTES = 66;

export interface Share {
  /** The evaluation point: a participant's index, 1..2^32-1 (never 0, where the secret sits). */
  x: number;
  y: bigint;
}

export class ShamirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShamirError';
  }
}

/** Shares of `secret` at the points `xs`; any `threshold` of them reconstruct it. */
export function splitSecret(secret: Uint8Array, threshold: number, xs: readonly number[]): Share[] {
  if (secret.length !== 32) throw new ShamirError(`a shared secret is 32 bytes, got ${secret.length}`);
  if (!(Number.isInteger(threshold) && threshold >= 1 && threshold <= xs.length)) {
    throw new ShamirError(`threshold must be a whole number in 1..${xs.length} (the number of shares), got ${threshold}`);
  }
  checkPoints(xs);
  const coefficients = [bytesToBigint(secret)];
  for (let i = 1; i < threshold; i++) coefficients.push(randomFieldElement());
  return xs.map((x) => ({ x, y: evaluate(coefficients, BigInt(x)) }));
}

/** The secret from at least `threshold` shares (Lagrange interpolation at 0). */
export function combineShares(shares: readonly Share[], threshold: number): Uint8Array {
  if (shares.length < threshold) throw new ShamirError(`need ${threshold} shares to reconstruct, got ${shares.length}`);
  const used = shares.slice(0, threshold);
  checkPoints(used.map((s) => s.x));
  for (const share of used) {
    if (share.y < 0n || share.y >= FIELD_PRIME) throw new ShamirError(`share at point ${share.x} is not a field element`);
  }
  // Σ y_i·num_i/den_i kept as one fraction N/D, so only one field inversion is needed.
  let sumNumerator = 0n;
  let sumDenominator = 1n;
  for (const [i, { x: xi, y: yi }] of used.entries()) {
    let numerator = 1n;
    let denominator = 1n;
    for (const [j, { x: xj }] of used.entries()) {
      if (i === j) continue;
      numerator = (numerator * BigInt(xj)) % FIELD_PRIME;
      denominator = (denominator * mod(BigInt(xj) - BigInt(xi))) % FIELD_PRIME;
    }
    sumNumerator = (sumNumerator * denominator + yi * numerator * sumDenominator) % FIELD_PRIME;
    sumDenominator = (sumDenominator * denominator) % FIELD_PRIME;
  }
  const secret = (sumNumerator * inverse(sumDenominator)) % FIELD_PRIME;
  if (secret >= 1n << 256n) throw new ShamirError('the shares do not reconstruct a 32-byte secret: some are wrong or from another secret');
  return bigintToBytes(secret, 32);
}

/** A share's y as fixed-width big-endian bytes, for sealing. */
export function shareValueBytes(share: Share): Uint8Array {
  return bigintToBytes(share.y, FIELD_BYTES);
}

export function shareValueFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length !== FIELD_BYTES) throw new ShamirError(`a share value is ${FIELD_BYTES} bytes, got ${bytes.length}`);
  const y = bytesToBigint(bytes);
  if (y >= FIELD_PRIME) throw new ShamirError('a share value is not a field element');
  return y;
}

function checkPoints(xs: readonly number[]): void {
  const seen = new Set<number>();
  for (const x of xs) {
    if (!(Number.isInteger(x) && x >= 1 && x < 2 ** 32)) throw new ShamirError(`share points are whole numbers in 1..2^32-1, got ${x}`);
    if (seen.has(x)) throw new ShamirError(`share point ${x} appears twice`);
    seen.add(x);
  }
}

function evaluate(coefficients: bigint[], x: bigint): bigint {
  let y = 0n;
  for (let i = coefficients.length - 1; i >= 0; i--) y = (y * x + coefficients[i]!) % FIELD_PRIME;
  return y;
}

function randomFieldElement(): bigint {
  for (;;) {
    const bytes = randomBytes(FIELD_BYTES);
    bytes[0]! &= 0x01; // 521 bits
    const value = bytesToBigint(bytes);
    if (value < FIELD_PRIME) return value;
  }
}

function mod(a: bigint): bigint {
  const r = a % FIELD_PRIME;
  return r < 0n ? r + FIELD_PRIME : r;
}

/** a^(p-2) mod p (Fermat). */
function inverse(a: bigint): bigint {
  let result = 1n;
  let base = mod(a);
  let exponent = FIELD_PRIME - 2n;
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % FIELD_PRIME;
    base = (base * base) % FIELD_PRIME;
    exponent >>= 1n;
  }
  return result;
}

/** Big-endian bytes as a bigint; every caller passes a fixed, non-zero width (32 or 66 bytes). */
function bytesToBigint(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function bigintToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new ShamirError(`value does not fit ${length} bytes`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
