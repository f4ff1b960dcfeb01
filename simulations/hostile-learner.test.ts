import { describe, expect, it } from '@jest/globals';
import type { Learner } from '../clinic-node/node-agent.js';
import { bytesToWords, wordsToBytes } from '../crypto/index.js';
import type { SecureRoundClient } from '../clinic-node/protocols/index.js';
import { hostileClaim, hostileDelta, hostileLearner, hostileSecureClient, INFLATED_SAMPLES, parseAttack } from './hostile-learner.js';

const global = new Float32Array([0.5, -0.25, 2]);
const honest = new Float32Array([0.1, 0.2, -0.3]);

describe('hostile clinics in simulations', () => {
  it('replace their update by the attack: -1000 x global, -4 x their own, -8 everywhere', () => {
    expect(Array.from(hostileDelta('scale', global, honest))).toEqual([-500, 250, -2000]);
    expect(Array.from(hostileDelta('sign-flip', global, honest))).toEqual(Array.from(honest, (d) => Math.fround(-4 * d)));
    expect(Array.from(hostileDelta('constant', global, honest))).toEqual([-8, -8, -8]);
    expect(Array.from(hostileDelta('weight', global, honest))).toEqual([-1, 0.5, -4]);
  });

  it('the weight attack alone declares 2^53 - 1 samples, changing nothing else of the update', () => {
    const update = { codec: 'plain-f32', numSamples: 85, trainLoss: 0.5, payload: Buffer.from([1, 2]) };
    expect(hostileClaim('weight')!(update)).toEqual({ ...update, numSamples: 2 ** 53 - 1 });
    expect(INFLATED_SAMPLES).toBe(2 ** 53 - 1);
    for (const attack of ['scale', 'sign-flip', 'constant'] as const) expect(hostileClaim(attack)).toBeNull();
  });

  it('under secure aggregation, raises the masked weight word by 1000 modulo 2^32 and passes every other call through', async () => {
    const sent: Uint32Array[] = [];
    const calls: string[] = [];
    const honest = {
      secAggAdvertise: async () => (calls.push('advertise'), {}),
      secAggShareKeys: async () => (calls.push('share'), {}),
      uploadUpdate: async (update: { payload: Uint8Array }) => (sent.push(bytesToWords(update.payload)), {}),
      secAggUnmaskRequest: async () => (calls.push('unmask'), {}),
      secAggRevealShares: async () => (calls.push('reveal'), {}),
    } as unknown as SecureRoundClient;
    const hostile = hostileSecureClient(honest, {} as never);
    await hostile.uploadUpdate({ payload: Buffer.from(wordsToBytes(Uint32Array.of(5, 7, 2 ** 32 - 10))) } as never);
    expect(Array.from(sent[0]!)).toEqual([5, 7, 990]);
    await hostile.secAggAdvertise({} as never);
    await hostile.secAggShareKeys({} as never);
    await hostile.secAggUnmaskRequest({} as never);
    await hostile.secAggRevealShares({} as never);
    expect(calls).toEqual(['advertise', 'share', 'unmask', 'reveal']);
  });

  it('train honestly first, send the attack as their parameters, and evaluate honestly', () => {
    const calls: string[] = [];
    const learner: Learner = {
      train: (_spec, start) => (calls.push('train'), { parameters: start.map((w, i) => w + honest[i]!), loss: 0.4, steps: 3 }),
      evaluate: () => (calls.push('evaluate'), { count: 10, correct: 7, accuracy: 0.7, loss: 0.5 }),
    };
    const hostile = hostileLearner(learner, 'constant');
    const result = hostile.train({ architecture: 'logistic-regression', inputDim: 2, outputDim: 1, hiddenUnits: [] } as never, global, {} as never);
    expect(Array.from(result.parameters)).toEqual([-7.5, -8.25, -6]);
    expect(result).toMatchObject({ loss: 0.4, steps: 3 });
    expect(hostile.evaluate({} as never, global)).toEqual({ count: 10, correct: 7, accuracy: 0.7, loss: 0.5 });
    expect(calls).toEqual(['train', 'evaluate']);
  });

  it('names the known attacks when given another', () => {
    expect(parseAttack('sign-flip')).toBe('sign-flip');
    expect(parseAttack('weight')).toBe('weight');
    expect(() => parseAttack('flood')).toThrow('unknown attack "flood" (known: scale, sign-flip, constant, weight)');
  });
});
