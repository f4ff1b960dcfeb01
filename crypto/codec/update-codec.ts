/**
 * How a model update crosses the wire. Plain float32 is the baseline; CKKS encryption (and, later,
 * secure-aggregation masking) implement the same interface, so nodes and the coordinator only pick
 * a codec by the study's privacy mode.
 */
export interface UpdateCodec {
  /** Name carried in update headers and tasks, e.g. `plain-f32` or `ckks:n8192-q60-s40`. */
  readonly name: string;
  /** Exact bytes on the wire for an update of `length` parameters. */
  encodedBytes(length: number): number;
  /**
   * An update (local minus global parameters) and its weight (training sample count) as wire bytes.
   * A codec that protects the update carries the weight inside too; plain float32 leaves it to the
   * update header.
   */
  encode(delta: Float32Array, weight: number): Uint8Array;
  /**
   * Decodes and validates bytes holding one update or a sum of updates; throws {@link CodecError}
   * naming what is wrong.
   */
  decode(bytes: Uint8Array, length: number): DecodedUpdate;
}

export interface DecodedUpdate {
  /** The update, or the weighted mean of the updates summed into the bytes. */
  values: Float32Array;
  /** Total weight inside the payload; null where the weight travels in the header. */
  weight: number | null;
}

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}
