import { CodecError } from '../codec/update-codec.js';

/**
 * SEAL's 16-byte serialization header, read without SEAL: u16 magic 0xA15E, u8 header size 16,
 * u8 major, u8 minor, u8 compression mode, u16 reserved, u64 size of the whole blob (little-endian).
 * node-seal 7 embeds SEAL 4.1, which lacks 4.3.3's hardening of `load` against hostile input, so
 * nothing untrusted reaches SEAL before this check.
 */
export const SEAL_MAGIC = 0xa15e;
export const SEAL_HEADER_BYTES = 16;
export const SEAL_VERSION = { major: 4, minor: 1 } as const;
export const PARMS_ID_OFFSET = SEAL_HEADER_BYTES;
export const PARMS_ID_BYTES = 32;

const COMPRESSION_NAMES = ['none', 'zlib', 'zstd'] as const;

export interface SealHeader {
  major: number;
  minor: number;
  compression: string;
  /** Declared size of the whole blob; capped at Number.MAX_SAFE_INTEGER (see `declaredSize` for the exact value). */
  size: number;
  declaredSize: bigint;
}

export function readSealHeader(bytes: Uint8Array, what: string): SealHeader {
  if (bytes.length < SEAL_HEADER_BYTES) throw new CodecError(`${what}: ${bytes.length} bytes is shorter than a SEAL header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint16(0, true);
  if (magic !== SEAL_MAGIC) throw new CodecError(`${what}: not a SEAL object (magic 0x${magic.toString(16).padStart(4, '0')}, expected 0xa15e)`);
  if (view.getUint8(2) !== SEAL_HEADER_BYTES) throw new CodecError(`${what}: SEAL header size ${view.getUint8(2)}, expected 16`);
  const mode = view.getUint8(5);
  const size = view.getBigUint64(8, true);
  return {
    major: view.getUint8(3),
    minor: view.getUint8(4),
    compression: COMPRESSION_NAMES[mode] ?? `unknown mode ${mode}`,
    size: size > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(size),
    declaredSize: size,
  };
}

/**
 * Checks a blob's header against what Cohort accepts: SEAL 4.1, no compression (zlib and zstd are
 * refused outright: they gain nothing on a single 60-bit prime and are the decompression-bomb
 * vector), reserved bytes zero, and a declared size equal to the bytes actually there.
 */
export function checkSealHeader(bytes: Uint8Array, what: string): SealHeader {
  const header = readSealHeader(bytes, what);
  if (header.major !== SEAL_VERSION.major || header.minor !== SEAL_VERSION.minor) {
    throw new CodecError(`${what}: serialized by SEAL ${header.major}.${header.minor}, expected ${SEAL_VERSION.major}.${SEAL_VERSION.minor}`);
  }
  if (header.compression !== 'none') {
    throw new CodecError(`${what}: compressed with ${header.compression}; only uncompressed ciphertexts are accepted`);
  }
  if (bytes[6] !== 0 || bytes[7] !== 0) throw new CodecError(`${what}: reserved header bytes are not zero`);
  if (header.size !== bytes.length) {
    throw new CodecError(`${what}: header declares ${header.declaredSize} bytes, the blob has ${bytes.length}`);
  }
  return header;
}

/**
 * Splits concatenated SEAL blobs by their declared sizes, refusing any that overrun the buffer; each
 * part is checked in full later by whoever loads it.
 */
export function splitSealBlobs(bytes: Uint8Array, what: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.length;) {
    const { size, declaredSize } = readSealHeader(bytes.subarray(offset), `${what}, ciphertext ${parts.length}`);
    if (size < SEAL_HEADER_BYTES || offset + size > bytes.length) {
      throw new CodecError(`${what}, ciphertext ${parts.length}: header declares ${declaredSize} bytes, only ${bytes.length - offset} remain`);
    }
    parts.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return parts;
}
