import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { deflateSync } from 'node:zlib';
import { CodecError } from '../codec/update-codec.js';
import {
  CkksAggregator,
  CkksContext,
  CkksSecretKey,
  CkksUpdateCodec,
  MAX_BITS_128,
  PARAMETER_SETS,
  totalModulusBits,
  withScope,
  type CkksParameterSet,
} from './index.js';

const LENGTH = 5000; // two ciphertexts: the weight slot lands in the second

function randomDelta(length: number, seed: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length }, () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2);
}

function weightedMean(updates: { delta: Float32Array; weight: number }[]): Float64Array {
  const total = updates.reduce((n, u) => n + u.weight, 0);
  const mean = new Float64Array(updates[0]!.delta.length);
  for (const { delta, weight } of updates) delta.forEach((d, i) => (mean[i]! += (weight * d) / total));
  return mean;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** WASM heap and other native memory, without JS array buffers: what a leaked SEAL object grows. */
function nativeBytes(): number {
  const { external, arrayBuffers } = process.memoryUsage();
  return external - arrayBuffers;
}

describe('CKKS parameter sets', () => {
  it('every set is within the 128-bit security bound, by the standard and by SEAL', async () => {
    for (const set of PARAMETER_SETS) {
      expect(totalModulusBits(set)).toBeLessThanOrEqual(MAX_BITS_128[set.polyModulusDegree]!);
      const ckks = await CkksContext.create(set.name);
      expect(ckks.slotCount).toBe(set.polyModulusDegree / 2);
      ckks.delete();
    }
  });

  it('refuses a set above the bound and an unknown name', async () => {
    const tooBig: CkksParameterSet = { name: 'n4096-q60', polyModulusDegree: 4096, coeffModulusBits: [60, 60], scaleBits: 40, summary: '' };
    await expect(CkksContext.create(tooBig)).rejects.toThrow('120 modulus bits exceed the 128-bit security bound of 109 for N = 4096');
    await expect(CkksContext.create('n8192-q99')).rejects.toThrow('unknown CKKS parameter set "n8192-q99" (known: n8192-q60-s40, n8192-q60-s30)');
  });
});

describe('CKKS aggregation', () => {
  let ckks: CkksContext;
  let key: CkksSecretKey;
  let codec: CkksUpdateCodec;

  beforeAll(async () => {
    ckks = await CkksContext.create('n8192-q60-s40');
    key = CkksSecretKey.generate(ckks);
    codec = new CkksUpdateCodec(ckks, key);
  });
  afterAll(() => {
    codec.delete();
    key.delete();
    ckks.delete();
  });

  it('sends about 16 bytes a parameter: seeded symmetric ciphertexts of exactly the predicted size', () => {
    const bytes = codec.encode(randomDelta(LENGTH, 1), 10);
    expect(bytes.length).toBe(2 * ckks.seededCiphertextBytes);
    expect(ckks.seededCiphertextBytes).toBe(65730);
    expect(ckks.updateBytes(4095) / 4095).toBeLessThan(16.1);
  });

  it('the sum of ciphertexts decrypts to the weighted mean and the total weight, the coordinator holding no key', () => {
    const updates = [
      { delta: randomDelta(LENGTH, 1), weight: 199 },
      { delta: randomDelta(LENGTH, 2), weight: 30 },
      { delta: randomDelta(LENGTH, 3), weight: 172 },
    ];
    const aggregator = new CkksAggregator(ckks, LENGTH);
    try {
      for (const u of updates) aggregator.add(codec.encode(u.delta, u.weight, updates.length));
      const saved = aggregator.save();
      expect(saved.length).toBe(ckks.aggregateBytes(LENGTH));
      const { values, weight } = codec.decode(saved, LENGTH);
      expect(weight).toBe(401);
      expect(maxAbsDiff(values, weightedMean(updates))).toBeLessThan(1e-7);
    } finally {
      aggregator.delete();
    }
  });

  it('a single update decrypts to itself and its weight', () => {
    const delta = randomDelta(100, 9);
    const { values, weight } = codec.decode(codec.encode(delta, 7), 100);
    expect(weight).toBe(7);
    expect(maxAbsDiff(values, delta)).toBeLessThan(1e-7);
  });

  describe('refuses hostile or mistaken input before it touches the sum', () => {
    let aggregator: CkksAggregator;
    let good: Uint8Array;
    let before: Uint8Array;

    beforeAll(() => {
      aggregator = new CkksAggregator(ckks, LENGTH);
      aggregator.add(codec.encode(randomDelta(LENGTH, 4), 5));
      before = aggregator.save();
      good = codec.encode(randomDelta(LENGTH, 5), 6);
    });
    afterAll(() => {
      // Nothing refused changed the sum, and a good update still adds.
      expect(aggregator.count).toBe(1);
      expect(Buffer.from(aggregator.save()).equals(Buffer.from(before))).toBe(true);
      aggregator.add(good);
      expect(codec.decode(aggregator.save(), LENGTH).weight).toBe(11);
      aggregator.delete();
    });

    const refuse = (bytes: Uint8Array, message: string | RegExp) => expect(() => aggregator.add(bytes, 'update from va')).toThrow(message);
    const replaceFirst = (blob: Uint8Array) => {
      const bytes = Uint8Array.from(good);
      const out = new Uint8Array(bytes.length - ckks.seededCiphertextBytes + blob.length);
      out.set(blob, 0);
      out.set(bytes.subarray(ckks.seededCiphertextBytes), blob.length);
      return out;
    };

    it('a truncated update', () => {
      refuse(
        good.subarray(0, good.length - 100),
        /update from va: 131360 bytes, but 5000 parameters encrypted under n8192-q60-s40 take 131460 \(2 ciphertexts of 65730\)/,
      );
    });

    it('a truncated ciphertext padded back to size, whose header then disagrees', () => {
      const bytes = Uint8Array.from(good);
      new DataView(bytes.buffer).setBigUint64(8, 65000n, true);
      refuse(bytes, 'update from va, ciphertext 0: header declares 65000 bytes, the blob has 65730');
    });

    it('a forged header size', () => {
      const bytes = Uint8Array.from(good);
      new DataView(bytes.buffer).setBigUint64(8, 2n ** 62n, true);
      refuse(bytes, `update from va, ciphertext 0: header declares ${2n ** 62n} bytes, the blob has 65730`);
    });

    it('not a SEAL object, or another SEAL version', () => {
      const bytes = Uint8Array.from(good);
      bytes[0] = 0;
      refuse(bytes, 'update from va, ciphertext 0: not a SEAL object (magic 0xa100, expected 0xa15e)');
      const version = Uint8Array.from(good);
      version[4] = 0;
      refuse(version, 'update from va, ciphertext 0: serialized by SEAL 4.0, expected 4.1');
    });

    it('zlib and zstd blobs, and decompression bombs, are refused from the header alone', () => {
      const zstd = withScope((scope) => {
        const encryptor = key.createEncryptor();
        try {
          const pt = scope.own(new ckks.seal.Plaintext());
          const encoder = scope.own(new ckks.seal.CKKSEncoder(ckks.context));
          encoder.encode(new Float64Array(ckks.slotCount).fill(0.25), ckks.scale, pt);
          return scope.own(encryptor.encryptSymmetricSerializable(pt)).saveToArray(ckks.seal.ComprModeType.zstd) as Uint8Array;
        } finally {
          encryptor.delete();
        }
      });
      refuse(replaceFirst(zstd), /update from va: \d+ bytes, but 5000 parameters/);
      // Same blob cut to the exact update size: the header still names zstd.
      const padded = zstd.slice(0, ckks.seededCiphertextBytes);
      new DataView(padded.buffer).setBigUint64(8, BigInt(padded.length), true);
      refuse(replaceFirst(padded), 'update from va, ciphertext 0: compressed with zstd; only uncompressed ciphertexts are accepted');
      // A zlib bomb: 64 MiB of zeros in a blob of exactly the expected size.
      const bomb = new Uint8Array(ckks.seededCiphertextBytes);
      bomb.set(good.subarray(0, 16));
      bomb[5] = 1; // zlib
      bomb.set(deflateSync(Buffer.alloc(64 << 20), { level: 9 }).subarray(0, bomb.length - 16), 16);
      refuse(replaceFirst(bomb), 'update from va, ciphertext 0: compressed with zlib; only uncompressed ciphertexts are accepted');
    });

    it('a ciphertext of another parameter set: other primes, other scale, other ring size', async () => {
      const others: CkksParameterSet[] = [
        { name: 'n8192-q50', polyModulusDegree: 8192, coeffModulusBits: [50, 50], scaleBits: 40, summary: '' },
        { name: 'n16384-q60', polyModulusDegree: 16384, coeffModulusBits: [60, 60], scaleBits: 40, summary: '' },
      ];
      for (const set of [...others, PARAMETER_SETS[1]!]) {
        const other = await CkksContext.create(set);
        const otherKey = CkksSecretKey.generate(other);
        const otherCodec = new CkksUpdateCodec(other, otherKey);
        try {
          const blob = otherCodec.encode(randomDelta(10, 6), 3).subarray(0, other.seededCiphertextBytes);
          const expected =
            set.polyModulusDegree !== 8192
              ? /update from va: \d+ bytes, but 5000 parameters/
              : set.scaleBits !== 40
                ? 'update from va, ciphertext 0: scale 2^30.00, expected 2^40'
                : 'update from va, ciphertext 0: encrypted under other CKKS parameters than n8192-q60-s40 (parms_id differs)';
          refuse(replaceFirst(blob), expected);
        } finally {
          otherCodec.delete();
          otherKey.delete();
          other.delete();
        }
      }
    });

    it('a ciphertext whose body SEAL finds invalid', () => {
      const bytes = Uint8Array.from(good);
      bytes.fill(0xff, 200, 300);
      refuse(bytes, /update from va, ciphertext 0: SEAL refused it \(std::logic_error: ciphertext data is invalid\)/);
    });
  });

  it('a sum under another key does not decrypt to a whole weight', () => {
    const otherKey = CkksSecretKey.generate(ckks);
    const otherCodec = new CkksUpdateCodec(ckks, otherKey);
    try {
      expect(otherKey.keyId).not.toBe(key.keyId);
      expect(() => codec.decode(otherCodec.encode(randomDelta(50, 7), 12), 50)).toThrow(CodecError);
      expect(() => codec.decode(otherCodec.encode(randomDelta(50, 7), 12), 50)).toThrow(/encrypted under another key, or its sum is corrupted/);
    } finally {
      otherCodec.delete();
      otherKey.delete();
    }
  });

  it('the secret key round-trips through bytes with the same key id', () => {
    const copy = CkksSecretKey.fromBytes(ckks, key.toBytes());
    const copyCodec = new CkksUpdateCodec(ckks, copy);
    try {
      expect(copy.keyId).toBe(key.keyId);
      expect(copyCodec.decode(codec.encode(new Float32Array([0.5]), 2), 1).weight).toBe(2);
    } finally {
      copyCodec.delete();
      copy.delete();
    }
  });

  it('refuses weights and values the sum could not hold', () => {
    expect(() => codec.encode(new Float32Array([1]), 0)).toThrow('the weight must be a positive integer sample count, got 0');
    expect(() => codec.encode(new Float32Array([NaN]), 1)).toThrow('parameter 0 is NaN');
    expect(() => codec.encode(new Float32Array([100]), 10_000, 4)).toThrow(
      /weighted parameter 0 is 1\.000e\+6: with 4 clinics, parameter set n8192-q60-s40 holds at most 6\.554e\+4 per clinic/,
    );
  });

  it('frees every SEAL object: a long run does not grow the WASM heap', () => {
    const cycle = () => {
      const aggregator = new CkksAggregator(ckks, LENGTH);
      try {
        for (let c = 0; c < 3; c++) aggregator.add(codec.encode(randomDelta(LENGTH, c), 3));
        codec.decode(aggregator.save(), LENGTH);
      } finally {
        aggregator.delete();
      }
    };
    for (let i = 0; i < 5; i++) cycle();
    const before = nativeBytes();
    for (let i = 0; i < 40; i++) cycle();
    // 40 leaked cycles would hold 40 x (6 + 2 + 2) ciphertexts of 128 KiB: about 50 MiB.
    expect(nativeBytes() - before).toBeLessThan(4 << 20);
  });
});
