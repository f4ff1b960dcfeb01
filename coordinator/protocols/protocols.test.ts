import { afterEach, describe, expect, it } from '@jest/globals';
import { modelSpec } from '../../common/model-spec.js';
import { dequantizeSum, fixedPointFor, MASKED_INPUT_CODEC, quantizeWeighted } from '../../crypto/index.js';
import type { UpdateHeader } from './update-header.js';
import { dpLayer, NO_DP } from './dp-layer.js';
import { EncryptedAggregates } from './encrypted-aggregates.js';
import { PLAIN, PlainProtocol, type RoundReader } from './plain.js';
import { DEFAULT_DP, DEFAULT_SECAGG } from './privacy-settings.js';
import { requireEncryption } from './ckks.js';
import { requireSecureAggregation, SecAggProtocol, weightsThatFit } from './secagg.js';
import type { SecAggTerms } from './task-extras.js';
import { SecAggRounds } from './secagg-rounds.js';
import { protocolFor, type ProtocolDependencies } from './protocol-for.js';
import type { ModelVersionContent, ProtocolRound, ProtocolStudy, RoundOutcomes, StoredUpdate } from './update-protocol.js';

// A 3-input logistic regression: 4 parameters.
const MODEL = modelSpec('logistic-regression', 3);
const NUM_PARAMETERS = 4;

function study(privacy: string, overrides: Partial<ProtocolStudy> = {}): ProtocolStudy {
  return {
    id: 's1',
    privacy,
    model: MODEL,
    strategy: { name: 'fedavg' },
    training: { localSteps: 10 },
    rounds: 5,
    quorum: 3,
    encryption: null,
    dp: null,
    secagg: null,
    ...overrides,
  };
}

const ROUND: ProtocolRound = { studyId: 's1', number: 2, attempt: 0, participants: ['a', 'b', 'c'] };

function header(fields: Partial<UpdateHeader>): UpdateHeader {
  return {
    clinicId: 'a',
    studyId: 's1',
    round: 2,
    modelVersion: 1,
    codec: PLAIN.name,
    numSamples: 10,
    totalBytes: 16,
    sha256: Buffer.alloc(32),
    trainLoss: 0.5,
    keyId: '',
    ...fields,
  };
}

/** The stored round: version 1 of the model and the updates, as the database would hand them over. */
function storedRound(global: number[], updates: StoredUpdate[]): RoundReader {
  return {
    globalModel: async () => ({ parameters: Float32Array.from(global), state: null }),
    updatesByClinic: async () => updates,
  };
}

/** A ledger holding spends for the given `clinic/study/round` keys. */
function ledgerWith(...spends: string[]) {
  return { hasSpend: async (clinicId: string, studyId: string, round: number) => spends.includes(`${clinicId}/${studyId}/${round}`) };
}

/** Round outcomes recorded as they are reported, work run at once. */
function recordingOutcomes() {
  const reported: string[] = [];
  let version: ModelVersionContent | null = null;
  const outcomes: RoundOutcomes = {
    run: async (_studyId, work) => work(),
    close: async (_round, outcome, build) => {
      version = await build();
      reported.push(`closed: ${outcome}`);
    },
    fail: async (_round, outcome) => {
      reported.push(`failed: ${outcome}`);
    },
  };
  return { outcomes, reported, version: () => version };
}

const sessions = new SecAggRounds();
afterEach(() => sessions.discardAll());

function deps(overrides: Partial<ProtocolDependencies> = {}): ProtocolDependencies {
  return {
    rounds: storedRound([0, 0, 0, 0], []),
    storedPayloads: async () => [],
    keys: { studyKey: async () => null, keyHolders: async () => new Set() },
    clinics: { enrolled: async () => [], trainingRecords: async (ids) => ids.map(() => 10), registeredRecords: async (ids) => ids.map(() => 10) },
    ledger: ledgerWith(),
    sums: new EncryptedAggregates(),
    sessions,
    ...overrides,
  };
}

describe('picking a protocol', () => {
  it('takes the transport and the DP layer from the privacy mode, for every mode', () => {
    const settings = { encryption: { parameterSet: 'n8192-q60-s40' }, dp: DEFAULT_DP, secagg: DEFAULT_SECAGG };
    const picked = ['none', 'he', 'dp', 'he+dp', 'secagg', 'secagg+dp'].map((privacy) => {
      const protocol = protocolFor(study(privacy, settings), deps());
      return `${privacy}: ${protocol.transport}/${protocol.dp.kind}`;
    });
    expect(picked).toEqual([
      'none: plain/none',
      'he: ckks/none',
      'dp: plain/dp-sgd',
      'he+dp: ckks/dp-sgd',
      'secagg: secagg/none',
      'secagg+dp: secagg/distributed',
    ]);
  });

  it('refuses a study whose mode needs settings it does not hold', () => {
    expect(() => protocolFor(study('he'), deps())).toThrow('study s1 encrypts its updates but holds no encryption settings');
    expect(() => protocolFor(study('secagg+dp', { secagg: DEFAULT_SECAGG }), deps())).toThrow('study s1 uses DP (distributed) but holds no dp settings');
  });
});

describe('calls that belong to one protocol', () => {
  it('are refused for a study of another mode, naming its privacy', () => {
    const encryption = { parameterSet: 'n8192-q60-s40' };
    expect(requireEncryption(study('he+dp', { encryption }))).toBe(encryption);
    expect(() => requireEncryption(study('secagg'))).toThrow('study s1 does not encrypt its updates (privacy secagg): it has no key');
    expect(() => requireSecureAggregation(study('secagg+dp'))).not.toThrow();
    expect(() => requireSecureAggregation(study('he'))).toThrow('study s1 does not use secure aggregation (privacy "he")');
  });
});

describe('the DP layer', () => {
  it('counts every local step as a release under DP-SGD, every round under distributed DP', () => {
    const target = study('dp');
    expect(dpLayer('dp-sgd', DEFAULT_DP, target, ledgerWith()).spec()).toEqual({ ...DEFAULT_DP, totalSteps: 50 });
    expect(dpLayer('distributed', DEFAULT_DP, target, ledgerWith()).spec()).toEqual({ ...DEFAULT_DP, totalSteps: 5 });
    expect(dpLayer('none', null, target, ledgerWith())).toBe(NO_DP);
    expect(NO_DP.spec()).toBeNull();
  });

  it('takes an update only after a spend for its round in the clinic ledger', async () => {
    const plain = new PlainProtocol(study('dp'), dpLayer('dp-sgd', DEFAULT_DP, study('dp'), ledgerWith('b/s1/2')), storedRound([], []));
    await expect(plain.checkHeader(header({ clinicId: 'a' }), ROUND)).rejects.toThrow(
      'study s1 is differentially private: the ledger of a holds no spend for round 2; append it (AppendLedgerEntries) before the update',
    );
    await expect(plain.checkHeader(header({ clinicId: 'b' }), ROUND)).resolves.toBeUndefined();
  });
});

describe('plain updates', () => {
  const plain = (reader = storedRound([], [])) => new PlainProtocol(study('none'), NO_DP, reader);

  it('expects four bytes a parameter, and at least one training sample', async () => {
    expect(await plain().expectedBytes()).toBe(4 * NUM_PARAMETERS);
    await expect(plain().checkHeader(header({}), ROUND)).resolves.toBeUndefined();
    await expect(plain().checkHeader(header({ numSamples: 0 }), ROUND)).rejects.toThrow('an update must declare at least one training sample (num_samples)');
    await expect(plain().checkHeader(header({ trainLoss: Number.NaN }), ROUND)).rejects.toThrow('train_loss must be finite, got NaN');
    await expect(plain().checkHeader(header({ totalBytes: 20 }), ROUND)).rejects.toThrow(
      'wrong update length: the model has 4 parameters (16 bytes as plain-f32), the header declares 20 bytes',
    );
  });

  it('refuses a payload that is not float32 values, naming the clinic', () => {
    expect(() => plain().checkPayload(header({}), PLAIN.encode(Float32Array.of(1, 2, 3, 4)))).not.toThrow();
    expect(() => plain().checkPayload(header({}), PLAIN.encode(Float32Array.of(1, 2, Number.NaN, 4)))).toThrow(/^update from a: /);
  });

  it('leaves the round to its answers: after updates, refusals and at the deadline', async () => {
    expect([await plain().stored(), await plain().refused(), await plain().deadlinePassed()]).toEqual(['answers', 'answers', 'answers']);
  });

  it('builds the version with the strategy over the individual updates, weighted by their samples', async () => {
    const updates: StoredUpdate[] = [
      { clinicId: 'a', numSamples: 1, payload: PLAIN.encode(Float32Array.of(1, 0, 0, 4)) },
      { clinicId: 'b', numSamples: 3, payload: PLAIN.encode(Float32Array.of(-1, 2, 0, 0)) },
    ];
    const version = await plain(storedRound([10, 10, 10, 10], updates)).buildVersion(ROUND);
    expect(version).toMatchObject({ codec: PLAIN.name, keyId: null, payload: null, strategyState: null });
    expect(Array.from(version!.parameters!)).toEqual([9.5, 11.5, 10, 11]);
  });

  it('answers null for a version that diverged', async () => {
    const updates: StoredUpdate[] = [{ clinicId: 'a', numSamples: 1, payload: PLAIN.encode(Float32Array.of(3e38, 0, 0, 0)) }];
    expect(await plain(storedRound([3e38, 0, 0, 0], updates)).buildVersion(ROUND)).toBeNull();
  });
});

describe('secure aggregation: whose weights fit the encoding', () => {
  const LIMIT = 2 ** 31 - 1;

  it('keeps the smallest approved counts whose total the fixed-point words hold, in the given order', () => {
    expect(weightsThatFit(['a', 'b', 'c'], [100, 4e9, 50], 8)).toEqual(['a', 'c']);
    expect(weightsThatFit(['a', 'b', 'c'], [100, 200, 50], 8)).toEqual(['a', 'b', 'c']);
    // Exactly at the bound still fits (scale 1); one more record does not.
    expect(weightsThatFit(['a', 'b'], [1, LIMIT - 1], 1)).toEqual(['a', 'b']);
    expect(weightsThatFit(['a', 'b'], [2, LIMIT - 1], 1)).toEqual(['a']);
    expect(() => fixedPointFor(1, LIMIT)).not.toThrow();
  });

  it('leaves out a clinic without approved records, and everyone when none fits', () => {
    expect(weightsThatFit(['a', 'b'], [0, 10], 8)).toEqual(['b']);
    expect(weightsThatFit(['a'], [LIMIT], 8)).toEqual([]);
  });

  it('an outsized approval leaves that clinic out of the round instead of failing it', async () => {
    const cards = ['a', 'b', 'c'].map((clinicId, i) => ({ clinicId, signPublicKey: new Uint8Array(32).fill(i + 1) }));
    const records: Record<string, number> = { a: 199, b: 4e9, c: 85 };
    const protocol = new SecAggProtocol(
      study('secagg', { secagg: DEFAULT_SECAGG }),
      NO_DP,
      sessions,
      { enrolled: async () => cards, trainingRecords: async (ids) => ids.map((id) => records[id] ?? 0), registeredRecords: async () => [] },
      storedRound([], []),
    );
    expect(await protocol.eligible(['a', 'b', 'c', 'stranger'])).toEqual(['a', 'c']);
  });
});

describe('secure aggregation', () => {
  const settings = { ...DEFAULT_SECAGG, stageTimeoutS: 600 };
  const cards = ['a', 'b', 'c', 'd'].map((clinicId, i) => ({ clinicId, signPublicKey: new Uint8Array(32).fill(i + 1) }));
  const secagg = (overrides: Partial<ProtocolStudy> = {}, reader = storedRound([], [])) =>
    new SecAggProtocol(
      study('secagg', { secagg: settings, ...overrides }),
      NO_DP,
      sessions,
      { enrolled: async () => cards, trainingRecords: async (ids) => ids.map(() => 25), registeredRecords: async (ids) => ids.map(() => 25) },
      reader,
    );

  it('expects one word a parameter plus the weight, and no sample count or loss in the clear', async () => {
    expect(await secagg().expectedBytes()).toBe(4 * (NUM_PARAMETERS + 1));
    const masked = header({ codec: MASKED_INPUT_CODEC, numSamples: 0, trainLoss: 0, totalBytes: 20 });
    await expect(secagg().checkHeader({ ...masked, numSamples: 10 }, ROUND)).rejects.toThrow(
      'a masked input carries its weight inside the masked words: num_samples must be 0',
    );
    await expect(secagg().checkHeader({ ...masked, trainLoss: 0.3 }, ROUND)).rejects.toThrow(
      'under secure aggregation the coordinator learns only the sum: train_loss must not be sent (0)',
    );
    // A header right in every field still needs the round's session to expect this clinic's masked input.
    await expect(secagg().checkHeader(masked, ROUND)).rejects.toThrow('has no secure aggregation in progress');
  });

  it('asks only enrolled clinics', async () => {
    expect(await secagg().eligible(['x', 'c', 'a', 'y'])).toEqual(['c', 'a']);
  });

  it('opens a session whose terms the TRAIN tasks carry, and takes a clinic in only while adverts are open', async () => {
    const { outcomes, reported } = recordingOutcomes();
    const extras = await secagg().openRound(ROUND, outcomes);
    expect(extras).toEqual({
      encryption: null,
      secagg: { threshold: 2, degree: 2, clipRange: 8, maxTotalWeight: 75, stageTimeoutMs: 600_000, minContributors: 3, attempt: 0 },
    });
    expect(await secagg().rejoin(ROUND, 'b')).toEqual(extras);
    expect(await secagg().rejoin(ROUND, 'd')).toBeNull();
    expect(reported).toEqual([]);
  });

  it('fails a round whose session cannot start, with the reason', async () => {
    const { outcomes, reported } = recordingOutcomes();
    expect(await secagg({ secagg: { ...settings, clipRange: 1e9 } }).openRound(ROUND, outcomes)).toBeNull();
    expect(reported).toEqual(['failed: secure aggregation cannot start: clip 1000000000 x total weight 75 leaves no room for precision in 32 bits']);
  });

  it('decides the round itself: a deadline before the masked inputs aborts it', async () => {
    const { outcomes, reported } = recordingOutcomes();
    await secagg().openRound(ROUND, outcomes);
    expect(await secagg().deadlinePassed(ROUND)).toBe('protocol');
    expect(reported).toEqual(['failed: secure aggregation aborted: the round\'s deadline passed at stage "advertising"']);
    expect(await secagg().rejoin(ROUND, 'a')).toBeNull();
  });

  it('with distributed DP, counts each clinic once and leaves the sum room for the noise', () => {
    const dp = dpLayer('distributed', DEFAULT_DP, study('secagg+dp'), ledgerWith());
    const protocol = new SecAggProtocol(
      study('secagg+dp', { secagg: settings, dp: DEFAULT_DP }),
      dp,
      sessions,
      { enrolled: async () => cards, trainingRecords: async () => [], registeredRecords: async () => [] },
      storedRound([], []),
    );
    const terms = protocol.fixedPointTerms([25, 100, 7]);
    expect(terms.clipRange).toBe(DEFAULT_DP.clipNorm);
    // Above one per clinic by the noise's room, and blind to record counts (they would scale a clinic's sensitivity).
    expect(terms.maxTotalWeight).toBeGreaterThan(3);
    expect(protocol.fixedPointTerms([1, 1, 1])).toEqual(terms);
    expect(secagg().fixedPointTerms([25, 100, 7])).toEqual({ clipRange: 8, maxTotalWeight: 132 });
  });

  it('builds the version with the strategy step on the mean of the unmasked sum', async () => {
    const terms = { clipRange: 8, maxTotalWeight: 4 } as SecAggTerms;
    const fp = fixedPointFor(terms.clipRange, terms.maxTotalWeight);
    const a = quantizeWeighted([1, 0, 0, 4], 1, fp).words;
    const b = quantizeWeighted([-1, 2, 0, 0], 3, fp).words;
    const sum = a.map((word, i) => (word + b[i]!) >>> 0);
    const version = await secagg({}, storedRound([10, 10, 10, 10], [])).versionOf(ROUND, { sum, survivors: ['a', 'b'], dropped: [] }, terms);
    const mean = dequantizeSum(sum, fp).values;
    expect(Array.from(version!.parameters!)).toEqual(Array.from(Float32Array.from(mean, (m) => 10 + m)));
    expect(Array.from(version!.parameters!, (p) => Number(p.toFixed(4)))).toEqual([9.5, 11.5, 10, 11]);
  });

  describe('a sum no honest inputs can make', () => {
    // Room above the 50 registered records (approved counts exceed them): out-of-range words can show in the mean.
    const terms = { clipRange: 8, maxTotalWeight: 100 } as SecAggTerms;
    const fp = fixedPointFor(terms.clipRange, terms.maxTotalWeight);
    const sumOf = (...inputs: Uint32Array[]) => inputs.reduce((sum, words) => sum.map((word, i) => (word + words[i]!) >>> 0));
    const honest = (delta: number[]) => quantizeWeighted(delta, 25, fp).words;
    const result = (sum: Uint32Array) => ({ sum, survivors: ['a', 'b'], dropped: [] });

    it('passes the sum of honest inputs, at the edges of the clip range too', async () => {
      expect(await secagg().implausibleSum(result(sumOf(honest([8, -8, 0, 1]), honest([8, -8, 3, -1]))), terms)).toBeNull();
    });

    it('names a total weight other than the records the survivors registered', async () => {
      const inflated = honest([1, 0, 0, 0]);
      inflated[4] = 25 + 17;
      expect(await secagg().implausibleSum(result(sumOf(honest([0, 0, 0, 0]), inflated)), terms)).toBe(
        "the secure sum's total weight 67 is not the 50 its 2 contributors registered: a masked input lied about its weight or held words out of range, and the sum was discarded",
      );
    });

    it('names a mean outside the clip range every input was clipped to (words out of range)', async () => {
      const wrapped = honest([0, 0, 0, 0]);
      wrapped[2] = (2 ** 31 - 1) >>> 0;
      const message = await secagg().implausibleSum(result(sumOf(honest([0, 0, 0, 0]), wrapped)), terms);
      expect(message).toMatch(/^parameter 2 of the secure sum's mean is [0-9.]+, outside the clip range ±8 every input was clipped to/);
    });

    it('under secagg+dp expects one unit of weight per survivor and lets noise leave the range', async () => {
      const dp = dpLayer('distributed', DEFAULT_DP, study('secagg+dp'), ledgerWith());
      const protocol = new SecAggProtocol(
        study('secagg+dp', { secagg: DEFAULT_SECAGG, dp: DEFAULT_DP }),
        dp,
        sessions,
        { enrolled: async () => [], trainingRecords: async () => [], registeredRecords: async () => [] },
        storedRound([], []),
      );
      const ones = (delta: number[]) => quantizeWeighted(delta, 1, fp).words;
      const noisy = ones([0, 0, 0, 0]);
      noisy[0] = (fp.scale * 100) >>> 0;
      expect(await protocol.implausibleSum(result(sumOf(ones([1, 0, 0, 0]), noisy)), terms)).toBeNull();
      expect(await protocol.implausibleSum(result(sumOf(ones([1, 0, 0, 0]), honest([0, 0, 0, 0]))), terms)).toMatch(
        /^the secure sum's total weight 26 is not the 2/,
      );
    });
  });
});
