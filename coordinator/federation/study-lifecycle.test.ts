import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import type { StudyStatus } from '../persistence/entities/study.entity.js';
import { lifecycleTransition, settingsDifferences, type LifecycleAction } from './study-lifecycle.js';

const refusalOf = (from: StudyStatus, action: LifecycleAction, started = true) => {
  try {
    lifecycleTransition('s1', from, action, started);
  } catch (error) {
    return { code: (error as { code: number }).code, message: (error as Error).message };
  }
  throw new Error(`${action} from ${from} was allowed`);
};

describe('lifecycleTransition', () => {
  it('pauses waiting and running studies, resumes a paused one to where it was, cancels any that has not ended', () => {
    expect(lifecycleTransition('s1', 'waiting', 'pause', false)).toBe('paused');
    expect(lifecycleTransition('s1', 'running', 'pause', true)).toBe('paused');
    expect(lifecycleTransition('s1', 'paused', 'resume', true)).toBe('running');
    expect(lifecycleTransition('s1', 'paused', 'resume', false)).toBe('waiting');
    for (const from of ['waiting', 'running', 'paused'] as const) expect(lifecycleTransition('s1', from, 'cancel', true)).toBe('cancelled');
  });

  it('refuses what the status does not allow, saying why, as a failed precondition', () => {
    expect(refusalOf('paused', 'pause')).toEqual({ code: status.FAILED_PRECONDITION, message: 'study s1 is already paused' });
    expect(refusalOf('running', 'resume')).toEqual({ code: status.FAILED_PRECONDITION, message: 'study s1 is not paused (it is running): nothing to resume' });
    expect(refusalOf('waiting', 'resume').message).toBe('study s1 is not paused (it is waiting): nothing to resume');
    for (const ended of ['completed', 'failed', 'cancelled'] as const) {
      expect(refusalOf(ended, 'pause').message).toBe(`study s1 has ended (${ended}): it cannot be paused`);
      expect(refusalOf(ended, 'resume').message).toBe(`study s1 has ended (${ended}): it cannot be resumed`);
      expect(refusalOf(ended, 'cancel').message).toBe(`study s1 has ended (${ended}): it cannot be cancelled`);
    }
  });
});

describe('settingsDifferences', () => {
  const base = {
    dataset: 'fed-heart-disease',
    schema: null,
    preprocessing: null,
    model: { architecture: 'mlp', inputDim: 13, hiddenUnits: [8] },
    strategy: { name: 'fedadam', beta1: 0.9 },
    training: { optimizer: 'sgd', learningRate: 0.01 },
    privacy: 'dp',
    encryption: null,
    dp: { targetEpsilon: 1, delta: 1e-5 },
    secagg: null,
    rounds: 3,
    quorum: 3,
    minClinics: 4,
    roundTimeoutS: 300,
    seed: 42,
  };

  it('finds none when only the order of keys differs', () => {
    const reordered = { ...base, model: { hiddenUnits: [8], inputDim: 13, architecture: 'mlp' }, dp: { delta: 1e-5, targetEpsilon: 1 } };
    expect(settingsDifferences(base, reordered)).toEqual([]);
  });

  it('names every setting that differs, nested ones as their whole value', () => {
    expect(settingsDifferences(base, { ...base, rounds: 5, dp: { targetEpsilon: 0.5, delta: 1e-5 }, seed: 7 })).toEqual([
      'dp: {"delta":0.00001,"targetEpsilon":1} -> {"delta":0.00001,"targetEpsilon":0.5}',
      'rounds: 3 -> 5',
      'seed: 42 -> 7',
    ]);
    expect(settingsDifferences(base, { ...base, model: { ...base.model, hiddenUnits: [16] } })).toEqual([
      'model: {"architecture":"mlp","hiddenUnits":[8],"inputDim":13} -> {"architecture":"mlp","hiddenUnits":[16],"inputDim":13}',
    ]);
    expect(settingsDifferences(base, { ...base, schema: undefined })).toEqual([]);
  });
});
