/**
 * Mutations of protobuf wire bytes for fuzzing: structure-aware (lengths, tags, wire types, repeated
 * and oversize fields) and blind (bit flips, truncation, garbage), all drawn from a seeded generator so
 * a failing run replays from its seed.
 *
 * ```ts
 * const rng = seededRandom(42);
 * const broken = mutate([headerBytes, chunkBytes], true, rng, pool); // a client stream's sequence
 * ```
 */
import type { SeededRandom } from '../../common/random.js';

/** One field found in protobuf bytes. */
interface Span {
  start: number;
  number: number;
  wire: number;
  /** Where the length varint of a length-delimited field starts and its payload starts and ends. */
  lengthAt?: number;
  payloadAt?: number;
  end: number;
}

export function varint(value: number | bigint): Buffer {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

function readVarint(b: Buffer, at: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    if (at + i >= b.length) return null;
    value += (b[at + i]! & 0x7f) * 2 ** (7 * i);
    if (b[at + i]! < 0x80) return { value, next: at + i + 1 };
  }
  return null;
}

/** The fields of `b` as far as they parse, nested ones too (a length-delimited payload that parses whole). */
function spans(b: Buffer, start = 0, end = b.length, depth = 0): Span[] {
  const out: Span[] = [];
  let at = start;
  while (at < end) {
    const tag = readVarint(b, at);
    if (!tag) break;
    const wire = tag.value % 8;
    const number = Math.floor(tag.value / 8);
    let next: number;
    if (wire === 0) {
      const v = readVarint(b, tag.next);
      if (!v) break;
      next = v.next;
      out.push({ start: at, number, wire, end: next });
    } else if (wire === 1 || wire === 5) {
      next = tag.next + (wire === 1 ? 8 : 4);
      if (next > end) break;
      out.push({ start: at, number, wire, end: next });
    } else if (wire === 2) {
      const length = readVarint(b, tag.next);
      if (!length || length.next + length.value > end) break;
      next = length.next + length.value;
      out.push({ start: at, number, wire, lengthAt: tag.next, payloadAt: length.next, end: next });
      if (depth < 4 && length.value > 0) {
        const inner = spans(b, length.next, next, depth + 1);
        if (inner.length > 0 && inner.at(-1)!.end === next) out.push(...inner);
      }
    } else {
      break;
    }
    at = next;
  }
  return out;
}

const randomBytes = (rng: SeededRandom, n: number) => Buffer.from(Array.from({ length: n }, () => rng.int(256)));
const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.int(items.length)]!;

type Mutation = (b: Buffer, rng: SeededRandom, pool: Buffer[]) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  bitFlip: (b, rng) => {
    if (b.length === 0) return Buffer.from([rng.int(256)]);
    const out = Buffer.from(b);
    for (let n = 1 + rng.int(4); n > 0; n--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  insertBytes: (b, rng) => {
    const at = rng.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), randomBytes(rng, 1 + rng.int(4)), b.subarray(at)]);
  },
  deleteBytes: (b, rng) => {
    const at = rng.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(4))]);
  },
  truncate: (b, rng) => b.subarray(0, rng.int(b.length + 1)),
  corruptLength: (b, rng) => {
    const delimited = spans(b).filter((s) => s.lengthAt !== undefined);
    if (delimited.length === 0) return MUTATIONS['truncate']!(b, rng, []);
    const s = pick(rng, delimited);
    const length = s.end - s.payloadAt!;
    const value = pick(rng, [0, Math.max(0, length - 1), length + 1, length + 100, 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 35, rng.int(1 << 20)]);
    return Buffer.concat([b.subarray(0, s.lengthAt!), varint(value), b.subarray(s.payloadAt!)]);
  },
  randomField: (b, rng) => {
    const number = pick(rng, [1 + rng.int(20), 15, 16, 2047, 2 ** 29 - 1, rng.int(2 ** 29)]);
    const wire = rng.int(8);
    const body =
      wire === 0
        ? varint(rng.int(2 ** 31))
        : wire === 1
          ? randomBytes(rng, 8)
          : wire === 5
            ? randomBytes(rng, 4)
            : wire === 2
              ? Buffer.concat([varint(4), randomBytes(rng, 4)])
              : Buffer.alloc(0);
    const field = Buffer.concat([varint(number * 8 + wire), body]);
    const at = pick(rng, [0, b.length, rng.int(b.length + 1)]);
    return Buffer.concat([b.subarray(0, at), field, b.subarray(at)]);
  },
  hugeVarint: (b, rng) => {
    const huge = pick(rng, [
      Buffer.from([...Array(9).fill(0xff), 0x01]), // 2^64 - 1
      Buffer.from([...Array(10).fill(0xff), 0x01]), // eleven bytes: no varint
      Buffer.from([...Array(9).fill(0x80), 0x00]), // zero, ten bytes long
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // 2^32 - 1
    ]);
    return Buffer.concat([b, varint((1 + rng.int(10)) * 8), huge]);
  },
  wrongWireType: (b, rng) => {
    const fields = spans(b);
    if (fields.length === 0) return MUTATIONS['randomField']!(b, rng, []);
    const s = pick(rng, fields);
    const tag = varint(s.number * 8 + ((s.wire + 1 + rng.int(7)) % 8));
    const old = readVarint(b, s.start)!;
    return Buffer.concat([b.subarray(0, s.start), tag, b.subarray(old.next)]);
  },
  duplicateField: (b, rng) => {
    const fields = spans(b);
    if (fields.length === 0) return Buffer.concat([b, b]);
    const s = pick(rng, fields);
    const copies = pick(rng, [1, 1, 2, 50]);
    return Buffer.concat([b.subarray(0, s.end), ...Array(copies).fill(b.subarray(s.start, s.end)), b.subarray(s.end)]);
  },
  empty: () => Buffer.alloc(0),
  garbage: (_, rng) => randomBytes(rng, 1 + rng.int(64)),
  oversize: (b, rng) => {
    const size = pick(rng, [257, 5000, 70_000, 70_000, 1_200_000]);
    const number = 1 + rng.int(10);
    return Buffer.concat([b, varint(number * 8 + 2), varint(size), Buffer.alloc(size, 0x41)]);
  },
  splice: (b, rng, pool) => {
    const other = pick(rng, pool);
    return rng.int(2) ? Buffer.concat([b, other]) : Buffer.concat([other.subarray(0, rng.int(other.length + 1)), b.subarray(rng.int(b.length + 1))]);
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

/** One message changed by one to three mutations; `pool` holds other valid messages to splice in. */
function mutateMessage(b: Buffer, rng: SeededRandom, pool: Buffer[]): Buffer {
  let out = b;
  for (let n = 1 + rng.int(3); n > 0; n--) out = MUTATIONS[pick(rng, MUTATION_NAMES)]!(out, rng, pool);
  return out;
}

/** A mutated request: one message changed, or (client streams, `streamed`) the sequence itself broken. */
export function mutate(valid: Buffer[], streamed: boolean, rng: SeededRandom, pool: Buffer[]): Buffer[] {
  if (!streamed || rng.next() < 0.5) return [mutateMessage(valid[0]!, rng, pool), ...valid.slice(1)];
  const seq = [...valid];
  switch (rng.int(7)) {
    case 0: // a later message
      if (seq.length > 1) {
        const i = 1 + rng.int(seq.length - 1);
        seq[i] = mutateMessage(seq[i]!, rng, pool);
      } else {
        seq.push(mutateMessage(seq[0]!, rng, pool));
      }
      return seq;
    case 1:
      return [];
    case 2:
      return seq.slice(1);
    case 3:
      return [seq[0]!, ...seq];
    case 4:
      return seq.reverse();
    case 5:
      return [...seq, ...Array(1 + rng.int(60)).fill(seq.at(-1)!)];
    default:
      return [...seq, mutateMessage(pick(rng, seq), rng, pool)];
  }
}
