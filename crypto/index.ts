/**
 * Cohort's cryptography, pure TypeScript with no framework imports: update codecs (plain, CKKS),
 * clinic identities and sealed key envelopes, the differential-privacy accountant and noise, the
 * signed privacy ledger, and secure aggregation's building blocks (Shamir, masks, neighbour graph).
 *
 * @example
 * import { plainFloat32Codec } from './crypto/index.js';
 * const bytes = plainFloat32Codec.encode(new Float32Array([0.5, -1]));
 * plainFloat32Codec.decode(bytes, 2); // Float32Array [0.5, -1]
 */
export { CodecError, type DecodedUpdate, type UpdateCodec } from './codec/update-codec.js';
export { plainFloat32Codec } from './codec/plain.js';
export * from './ckks/index.js';
export * from './identity/index.js';
export * from './dp/index.js';
export * from './ledger/index.js';
export * from './secagg/index.js';
