import { plainFloat32Codec } from './plain.js';
import { CodecError, type UpdateCodec } from './update-codec.js';

const CODECS: readonly UpdateCodec[] = [plainFloat32Codec];

export function codecByName(name: string): UpdateCodec {
  const codec = CODECS.find((c) => c.name === name);
  if (!codec) {
    throw new CodecError(`unknown update codec "${name}" (known: ${CODECS.map((c) => c.name).join(', ')})`);
  }
  return codec;
}
