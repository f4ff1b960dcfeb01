import { describe, expect, it } from '@jest/globals';
import { modelSpec } from '../../common/model-spec.js';
import { deriveSeed } from '../../common/random.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import type { StudyEntity } from '../persistence/entities/study.entity.js';
import { EncryptedAggregates } from '../protocols/encrypted-aggregates.js';
import { protocolFor, type ProtocolDependencies } from '../protocols/protocol-for.js';
import type { ProtocolStudy } from '../protocols/update-protocol.js';
import { TaskBuilder } from './task-builder.js';
import type { UpdateProtocols } from './update-protocols.js';

const MODEL = modelSpec('mlp', 13, [8]);

function study(fields: Partial<StudyEntity>): StudyEntity {
  return {
    id: 'study-1',
    name: 'heart',
    dataset: 'fed-heart-disease',
    schema: null,
    preprocessing: null,
    model: MODEL,
    strategy: { name: 'fedprox', mu: 0.1, serverLearningRate: 1 },
    training: { optimizer: 'sgd', learningRate: 0.01, batchSize: 4, localSteps: 25 },
    privacy: 'dp',
    encryption: null,
    dp: { targetEpsilon: 2, delta: 1e-5, clipNorm: 1.5 },
    secagg: null,
    rounds: 8,
    quorum: 2,
    minClinics: 2,
    roundTimeoutMs: 60_000,
    seed: 42,
    status: 'running',
    error: null,
    createdAt: 1,
    finishedAt: null,
    ...fields,
  };
}

const ROUND: RoundEntity = {
  studyId: 'study-1',
  number: 3,
  attempt: 0,
  status: 'open',
  participants: ['clinic-a', 'clinic-b', 'clinic-c'],
  evaluators: null,
  openedAt: 1_767_225_000_000,
  deadlineAt: 1_767_225_600_000,
  closedAt: null,
  outcome: null,
};

/** The study's real protocol, with a study key for CKKS; nothing else is reached while tasks are built. */
function builder(): TaskBuilder {
  const deps = {
    keys: { studyKey: async () => ({ keyId: 'key-7' }), keyHolders: async () => new Set<string>() },
    ledger: { hasSpend: async () => true },
    sums: new EncryptedAggregates(),
  } as Partial<ProtocolDependencies> as ProtocolDependencies;
  const protocols = { for: (s: ProtocolStudy) => protocolFor(s, deps) } as unknown as UpdateProtocols;
  return new TaskBuilder(protocols);
}

describe('the tasks a clinic receives, as domain values', () => {
  it('builds a TRAIN task from the round, the study and the protocol', () => {
    expect(builder().train(study({}), ROUND, 'clinic-b', { encryption: null, secagg: null })).toEqual({
      kind: 'train',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      round: 3,
      modelVersion: 2,
      model: MODEL,
      training: { optimizer: 'sgd', learningRate: 0.01, batchSize: 4, localSteps: 25, seed: deriveSeed(42, 'clinic-b', 3) },
      privacy: 'dp',
      codec: 'plain-f32',
      deadlineAt: 1_767_225_600_000,
      strategy: { name: 'fedprox', mu: 0.1, serverLearningRate: 1 },
      fitConfig: { proximalMu: 0.1 },
      participants: 3,
      encryption: null,
      dp: { targetEpsilon: 2, delta: 1e-5, clipNorm: 1.5, totalSteps: 8 * 25 },
      secagg: null,
    });
  });

  it('derives a different shuffling seed per clinic and round', () => {
    const seeds = [
      builder().train(study({}), ROUND, 'clinic-a', { encryption: null, secagg: null }).training.seed,
      builder().train(study({}), ROUND, 'clinic-b', { encryption: null, secagg: null }).training.seed,
      builder().train(study({}), { ...ROUND, number: 4 }, 'clinic-a', { encryption: null, secagg: null }).training.seed,
    ];
    expect(new Set(seeds).size).toBe(3);
  });

  it('carries the extras the protocol answered', () => {
    const encryption = { parameterSet: 'n8192-q60-s40', keyId: 'key-7' };
    const he = study({ privacy: 'he', dp: null, encryption: { parameterSet: 'n8192-q60-s40' } });
    expect(builder().train(he, ROUND, 'clinic-a', { encryption, secagg: null })).toMatchObject({ codec: 'ckks:n8192-q60-s40', encryption, dp: null });
  });

  it('builds an EVALUATE task with the codec and key of the model version', async () => {
    const he = study({ privacy: 'he', dp: null, encryption: { parameterSet: 'n8192-q60-s40' } });
    expect(await builder().evaluate(he, 5)).toEqual({
      kind: 'evaluate',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      modelVersion: 5,
      model: MODEL,
      codec: 'ckks:n8192-q60-s40',
      strategy: { name: 'fedprox', mu: 0.1, serverLearningRate: 1 },
      encryption: { parameterSet: 'n8192-q60-s40', keyId: 'key-7' },
    });
    expect(await builder().evaluate(study({}), 5)).toMatchObject({ codec: 'plain-f32', encryption: null });
  });

  it("announces a study's end with its status and reason", () => {
    expect(builder().finished(study({ status: 'completed' }))).toEqual({
      kind: 'study-finished',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      rounds: 8,
      status: 'completed',
      message: 'completed 8 rounds',
    });
    expect(builder().finished(study({ status: 'failed', error: 'round 4 diverged' }))).toMatchObject({ status: 'failed', message: 'round 4 diverged' });
  });
});
