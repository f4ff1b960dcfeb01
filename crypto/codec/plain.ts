import { CodecError, type DecodedUpdate, type UpdateCodec } from './update-codec.js';

/** Little-endian IEEE-754 float32, 4 bytes a parameter; refuses NaN and infinities. The weight travels in the header. */
export const plainFloat32Codec = {
  name: 'plain-f32' as const,

  encodedBytes: (length: number) => length * 4,

  encode(values: Float32Array): Uint8Array {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return bytes;
  },

  decode(bytes: Uint8Array, expectedLength: number): DecodedUpdate {
    if (bytes.length !== expectedLength * 4) {
      throw new CodecError(
        `expected ${expectedLength} float32 parameters (${expectedLength * 4} bytes), got ${bytes.length} bytes` +
          (bytes.length % 4 === 0 ? ` (${bytes.length / 4} parameters)` : ''),
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = new Float32Array(expectedLength);
    for (let i = 0; i < expectedLength; i++) {
      const v = view.getFloat32(i * 4, true);
      if (!Number.isFinite(v)) {
        throw new CodecError(`parameter ${i} is ${v}: updates must be finite`);
      }
      values[i] = v;
    }
    return { values, weight: null };
  },
} satisfies UpdateCodec;
