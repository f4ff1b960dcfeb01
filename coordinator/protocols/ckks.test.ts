import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { modelSpec } from '../../common/model-spec.js';
import { CkksSecretKey, CkksUpdateCodec, type CkksContext } from '../../crypto/index.js';
import type { UpdateHeader } from './update-header.js';
import { CkksProtocol } from './ckks.js';
import { NO_DP } from './dp-layer.js';
import { EncryptedAggregates, type RoundKey } from './encrypted-aggregates.js';
import type { ProtocolRound } from './update-protocol.js';

const SET = 'n8192-q60-s40';
const STUDY = {
  id: 's1',
  privacy: 'he',
  model: modelSpec('logistic-regression', 3),
  strategy: { name: 'fedavg' as const },
  training: { localSteps: 10 },
  rounds: 5,
  quorum: 2,
  encryption: { parameterSet: SET },
  dp: null,
  secagg: null,
};
const ROUND: ProtocolRound = { studyId: 's1', number: 1, attempt: 0, participants: ['a', 'b'] };

describe('CKKS-encrypted updates', () => {
  const sums = new EncryptedAggregates();
  let ckks: CkksContext;
  let codec: CkksUpdateCodec;
  let keyId: string | null;
  /** What the round store holds, oldest first. */
  const stored: Uint8Array[] = [];
  const protocol = () =>
    new CkksProtocol(
      STUDY,
      NO_DP,
      { studyKey: async () => (keyId ? { keyId } : null), keyHolders: async () => new Set(['b', 'c']) },
      sums,
      async (_round: RoundKey) => stored,
    );

  beforeAll(async () => {
    ckks = await sums.context(SET);
    const key = CkksSecretKey.generate(ckks);
    codec = new CkksUpdateCodec(ckks, key);
    keyId = null;
  });
  afterAll(() => sums.onModuleDestroy());

  const header = (fields: Partial<UpdateHeader>): UpdateHeader => ({
    clinicId: 'a',
    studyId: 's1',
    round: 1,
    modelVersion: 0,
    codec: protocol().updateCodec,
    numSamples: 0,
    totalBytes: ckks.updateBytes(4),
    sha256: Buffer.alloc(32),
    trainLoss: 0.5,
    keyId: 'k1',
    ...fields,
  });

  it('waits for its key ceremony, then asks only clinics holding the key, and hands tasks the key', async () => {
    expect(await protocol().readyToStart()).toBe(false);
    expect(await protocol().openRound()).toEqual({ encryption: null, secagg: null });
    keyId = 'k1';
    expect(await protocol().readyToStart()).toBe(true);
    expect(await protocol().eligible(['a', 'b', 'c', 'd'])).toEqual(['b', 'c']);
    expect(await protocol().openRound()).toEqual({ encryption: { parameterSet: SET, keyId: 'k1' }, secagg: null });
    expect(await protocol().modelExtras()).toEqual({ codec: `ckks:${SET}`, encryption: { parameterSet: SET, keyId: 'k1' } });
  });

  it('checks the key, that the sample count stays inside the ciphertext, and the ciphertext size', async () => {
    keyId = 'k1';
    expect(await protocol().expectedBytes()).toBe(ckks.updateBytes(4));
    await expect(protocol().checkHeader(header({}), ROUND)).resolves.toBeUndefined();
    await expect(protocol().checkHeader(header({ keyId: 'k0' }), ROUND)).rejects.toThrow('update from a is encrypted under key "k0", study s1 uses key k1');
    await expect(protocol().checkHeader(header({ numSamples: 3 }), ROUND)).rejects.toThrow(
      'an encrypted update carries its sample count inside the ciphertext: num_samples must be 0',
    );
    await expect(protocol().checkHeader(header({ totalBytes: 100 }), ROUND)).rejects.toThrow(
      `wrong update length: the model has 4 parameters (${ckks.updateBytes(4)} bytes as ckks:${SET}), the header declares 100 bytes`,
    );
  });

  it('sums ciphertexts as they arrive into a version only the clinics can read, and rebuilds a lost sum from the stored updates', async () => {
    keyId = 'k1';
    const a = codec.encode(Float32Array.of(1, 0, 0, 4), 1);
    const b = codec.encode(Float32Array.of(-1, 2, 0, 0), 3);
    await protocol().accept(header({ clinicId: 'a' }), a, ROUND);
    stored.push(a);
    // The sum is lost (a failed write, a restart): the next update finds it rebuilt from what is stored.
    protocol().storeFailed(ROUND);
    await protocol().accept(header({ clinicId: 'b' }), b, ROUND);
    stored.push(b);
    expect(await protocol().stored()).toBe('answers');
    const version = await protocol().buildVersion(ROUND);
    expect(version).toMatchObject({ parameters: null, strategyState: null, codec: `ckks:${SET}`, keyId: 'k1' });
    const { values, weight } = codec.decode(version.payload!, 4);
    expect(weight).toBe(4);
    expect(Array.from(values, (v) => Number(v.toFixed(3)) + 0)).toEqual([-0.5, 1.5, 0, 1]);
    protocol().discard(ROUND);
  });

  it('refuses a payload that is not a ciphertext of its parameters', async () => {
    await expect(protocol().accept(header({}), new Uint8Array(ckks.updateBytes(4)), ROUND)).rejects.toThrow(/update from a/);
  });
});
