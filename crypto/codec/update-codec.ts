/**
 * How a model update is turned into bytes for the wire and back. Plain float32 is the baseline;
 * CKKS encryption and secure-aggregation masking plug in as further codecs.
 */
export interface UpdateCodec {
  /** Name carried in update headers and study settings, e.g. `plain-f32`. */
  readonly name: string;
  /** Bytes on the wire for `length` parameters. */
  encodedBytes(length: number): number;
  encode(values: Float32Array): Uint8Array;
  /** Decodes and validates; throws {@link CodecError} naming what is wrong. */
  decode(bytes: Uint8Array, expectedLength: number): Float32Array;
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}
