import { describe, expect, it } from '@jest/globals';
import { LeftRound, type SecureRoundClient } from '../clinic-node/protocols/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import { secAggDropout } from './secagg-dropout.js';

/** A round's task whose training seed puts it at `fraction` of the seed range. */
const task = (fraction: number) => ({ studyId: 's', round: 1, training: { seed: Math.ceil(fraction * 2 ** 31) } }) as unknown as Task__Output;

function recordingClient() {
  const calls: string[] = [];
  const client = {
    secAggAdvertise: async () => void calls.push('advertise'),
    secAggShareKeys: async () => (calls.push('share keys'), { shares: [] }),
    uploadUpdate: async () => (calls.push('masked input'), {}),
    secAggUnmaskRequest: async () => void calls.push('unmask request'),
    secAggRevealShares: async () => void calls.push('reveal'),
  } as unknown as SecureRoundClient;
  return { client, calls };
}

describe('simulated secure-aggregation dropout', () => {
  it('leaves rounds whose training seed falls below the probability, and only those', () => {
    const { client } = recordingClient();
    const wrap = secAggDropout(0.2, 'after-shares');
    expect(wrap(client, task(0.5))).toBe(client);
    expect(wrap(client, task(0.2))).toBe(client);
    expect(wrap(client, task(0.19))).not.toBe(client);
    expect(secAggDropout(0, 'after-shares')(client, task(0))).toBe(client);
  });

  it('after-shares: the key shares are delivered, then the clinic leaves before training or masking', async () => {
    const { client, calls } = recordingClient();
    const wrapped = secAggDropout(0.5, 'after-shares')(client, task(0.1));
    await wrapped.secAggAdvertise({} as never);
    await expect(wrapped.secAggShareKeys({} as never)).rejects.toThrow(new LeftRound('after-shares, simulated dropout'));
    expect(calls).toEqual(['advertise', 'share keys']);
  });

  it('after-masked-input: the masked input is uploaded, then the clinic leaves before unmasking', async () => {
    const { client, calls } = recordingClient();
    const wrapped = secAggDropout(0.5, 'after-masked-input')(client, task(0.1));
    await wrapped.secAggShareKeys({} as never);
    await expect(wrapped.uploadUpdate({} as never)).rejects.toBeInstanceOf(LeftRound);
    expect(calls).toEqual(['share keys', 'masked input']);
  });

  it('refuses a probability outside [0, 1)', () => {
    expect(() => secAggDropout(1, 'after-shares')).toThrow('the dropout probability must be in [0, 1), got 1');
    expect(() => secAggDropout(Number.NaN, 'after-shares')).toThrow('got NaN');
  });
});
