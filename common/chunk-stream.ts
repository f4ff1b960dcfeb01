import { createHash } from 'node:crypto';
import { refuse } from './errors.js';

/**
 * Large payloads cross gRPC as a header followed by data chunks: grpc-js refuses single messages over
 * 4 MiB by default, and chunking keeps memory per call bounded by the declared size.
 */
export const DEFAULT_CHUNK_BYTES = 1 << 20;

export function* splitIntoChunks(bytes: Uint8Array, chunkBytes = DEFAULT_CHUNK_BYTES): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkBytes) {
    yield bytes.subarray(offset, Math.min(offset + chunkBytes, bytes.length));
  }
}

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Reassembles a chunked payload against what its header declared: never buffers past the declared
 * size, and `finish` refuses a stream cut short or whose digest does not match.
 */
export class ChunkAssembler {
  private readonly buffer: Buffer;
  private received = 0;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly declaredBytes: number,
    private readonly declaredDigest: Uint8Array,
    private readonly what: string,
  ) {
    if (!Number.isSafeInteger(declaredBytes) || declaredBytes < 0) {
      throw refuse.invalid(`${what}: declared size ${declaredBytes} is not a byte count`);
    }
    if (declaredDigest.length !== 32) {
      throw refuse.invalid(`${what}: the header must carry a 32-byte SHA-256 digest, got ${declaredDigest.length} bytes`);
    }
    this.buffer = Buffer.allocUnsafe(declaredBytes);
  }

  push(data: Uint8Array): void {
    if (this.received + data.length > this.declaredBytes) {
      throw refuse.dataLoss(`${this.what}: received more than the ${this.declaredBytes} bytes the header declared`);
    }
    this.buffer.set(data, this.received);
    this.hash.update(data);
    this.received += data.length;
  }

  finish(): Buffer {
    if (this.received !== this.declaredBytes) {
      throw refuse.dataLoss(`${this.what}: stream ended after ${this.received} of ${this.declaredBytes} declared bytes (cut short)`);
    }
    if (!this.hash.digest().equals(this.declaredDigest)) {
      throw refuse.dataLoss(`${this.what}: SHA-256 of the received bytes does not match the header`);
    }
    return this.buffer;
  }
}
