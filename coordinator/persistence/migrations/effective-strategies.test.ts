import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { STRATEGIES } from '../../../strategies/index.js';
import { sqliteOptions } from '../data-source.js';
import { StudyEntity } from '../entities/study.entity.js';
import { EffectiveStrategies1733100000000, legacyEffectiveStrategy } from './1733100000000-effective-strategies.js';

describe('studies stored before effective strategies', () => {
  it('get every setting at the value the old code ran them with', () => {
    // Main before the registry: FedOpt's constructor filled 0.01 / 0.9 / 0.99 / 1e-9, FedAvg 1.
    expect(legacyEffectiveStrategy({ name: 'fedadam', serverLearningRate: 0.05 })).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.05,
      beta1: 0.9,
      beta2: 0.99,
      tau: 1e-9,
    });
    expect(legacyEffectiveStrategy({ name: 'fedyogi' })).toEqual({ name: 'fedyogi', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    expect(legacyEffectiveStrategy({ name: 'fedavg' })).toEqual({ name: 'fedavg', serverLearningRate: 1 });
    // FedAdagrad never read beta2, and the registry now refuses it.
    expect(legacyEffectiveStrategy({ name: 'fedadagrad', beta2: 0.5, tau: 0.1 })).toEqual({
      name: 'fedadagrad',
      serverLearningRate: 0.01,
      beta1: 0.9,
      tau: 0.1,
    });
  });

  it('keeps what a study named, and what the registry already filled in', () => {
    const full = STRATEGIES.parse({ name: 'fedadam' });
    expect(legacyEffectiveStrategy(full)).toEqual(full);
  });

  it('yields configurations the registry accepts unchanged', () => {
    for (const stored of [{ name: 'fedadam' }, { name: 'fedyogi', tau: 0.001 }, { name: 'fedadagrad', beta2: 0.9 }, { name: 'fedavg' }]) {
      const effective = legacyEffectiveStrategy(stored);
      expect(STRATEGIES.parse(effective)).toEqual(effective);
    }
  });
});

describe('the migration', () => {
  const db = new DataSource(sqliteOptions(':memory:'));
  beforeAll(async () => {
    await db.initialize();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('rewrites a partial stored strategy and leaves a complete one alone', async () => {
    const study = (id: string, strategy: Record<string, unknown>) =>
      db.getRepository(StudyEntity).create({
        id,
        name: id,
        dataset: 'fed-heart-disease',
        model: { kind: 'logistic-regression', inputDim: 13, hidden: [] } as never,
        strategy: strategy as never,
        training: { optimizer: 'sgd', learningRate: 0.01, batchSize: 4, localSteps: 100 },
        privacy: 'none',
        encryption: null,
        dp: null,
        secagg: null,
        rounds: 1,
        quorum: 1,
        minClinics: 1,
        roundTimeoutMs: 1000,
        seed: 42,
        status: 'running',
        error: null,
        createdAt: 0,
        finishedAt: null,
      });
    const complete = STRATEGIES.parse({ name: 'fedyogi', tau: 0.001 });
    await db.getRepository(StudyEntity).save([study('old', { name: 'fedadam', serverLearningRate: 0.01 }), study('new', complete)]);
    const runner = db.createQueryRunner();
    await new EffectiveStrategies1733100000000().up(runner);
    await runner.release();
    const stored = async (id: string) => (await db.getRepository(StudyEntity).findOneByOrFail({ id })).strategy;
    expect(await stored('old')).toEqual({ name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    expect(await stored('new')).toEqual(complete);
  });
});
