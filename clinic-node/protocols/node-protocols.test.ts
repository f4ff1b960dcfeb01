import { describe, expect, it } from '@jest/globals';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from '../client/federation-client.js';
import type { Keystore } from '../keys/index.js';
import type { RevealJournal } from '../resilience/index.js';
import { CkksProtocol } from './ckks.js';
import { NodeProtocols } from './index.js';
import { PlainProtocol } from './plain.js';
import { SecAggProtocol } from './secagg.js';

const task = (specs: Partial<Pick<Task__Output, 'encryption' | 'secagg' | 'dp'>>) =>
  ({ studyId: 's', round: 1, encryption: null, secagg: null, dp: null, ...specs }) as unknown as Task__Output;

describe('node protocols', () => {
  const protocols = new NodeProtocols({
    client: {} as FederationClient,
    clinicId: 'cleveland',
    keystore: {} as Keystore,
    reveals: { revealed: () => null } as unknown as RevealJournal,
    log: () => undefined,
  });
  const encryption = { keyId: 'k', parameterSet: 'p' } as never;
  const secagg = { attempt: 2, minContributors: 3 } as never;
  const dp = { targetEpsilon: 1 } as never;

  it('picks one protocol per way an update travels; DP is no protocol of its own', () => {
    expect(protocols.for(task({}))).toBeInstanceOf(PlainProtocol);
    expect(protocols.for(task({ dp }))).toBeInstanceOf(PlainProtocol);
    expect(protocols.for(task({ encryption }))).toBeInstanceOf(CkksProtocol);
    expect(protocols.for(task({ encryption, dp }))).toBeInstanceOf(CkksProtocol);
    expect(protocols.for(task({ secagg }))).toBeInstanceOf(SecAggProtocol);
    expect(protocols.for(task({ secagg, dp }))).toBeInstanceOf(SecAggProtocol);
  });

  it('names the attempt of secure rounds only, which can run again with fresh keys', () => {
    expect(protocols.for(task({})).attempt(task({}))).toBeNull();
    expect(protocols.for(task({ encryption })).attempt(task({ encryption }))).toBeNull();
    expect(protocols.for(task({ secagg })).attempt(task({ secagg }))).toBe(2);
  });

  it('asks the guard for distributed noise under secagg+dp only, and reuses a decision its ledger holds for a secure round', () => {
    const requests: unknown[] = [];
    const recorded = { train: false as const, reason: 'refused before', entry: {} as never };
    const guard = {
      decide: (request: unknown) => (requests.push(request), { train: true as const, dp: null, distributed: null, entry: null }),
      recorded: (_study: string, round: number) => (round === 7 ? recorded : null),
    };
    const training = { batchSize: 8, localSteps: 5 };
    const train = (specs: Parameters<typeof task>[0], round = 1) => ({ ...task(specs), round, training }) as Task__Output;
    protocols.for(train({ dp })).decide(train({ dp }), guard, 199);
    protocols.for(train({ secagg, dp })).decide(train({ secagg, dp }), guard, 199);
    protocols.for(train({ secagg })).decide(train({ secagg }), guard, 199);
    expect(requests).toEqual([
      { studyId: 's', round: 1, dp, batchSize: 8, localSteps: 5 },
      { studyId: 's', round: 1, dp, batchSize: 8, localSteps: 5, distributed: { contributors: 3 } },
      { studyId: 's', round: 1, dp: null, batchSize: 8, localSteps: 5 },
    ]);
    expect(protocols.for(train({ secagg }, 7)).decide(train({ secagg }, 7), guard, 199)).toBe(recorded);
    expect(protocols.for(train({}, 7)).decide(train({}, 7), guard, 199)).not.toBe(recorded);
  });
});
