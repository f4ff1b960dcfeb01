import { describe, expect, it } from '@jest/globals';
import { parseStudyConfig, StudyConfigError } from './study-config.js';

const DATASET = 'fed-heart-disease';

function problems(input: unknown): string[] {
  try {
    parseStudyConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as StudyConfigError).problems;
  }
  return [];
}

describe('a study field the coordinator does not read', () => {
  it('is refused with its path and the closest known field, not replaced by a default in silence', () => {
    // Issue 16: "dp": { "epsilon": 0.5 } ran with targetEpsilon 1, doubling the privacy target.
    expect(problems({ dataset: DATASET, privacy: 'dp', dp: { epsilon: 0.5 } })).toEqual(['dp.epsilon is not a known field (did you mean dp.targetEpsilon?)']);
  });

  it('is refused at the top level and in every nested object, all at once', () => {
    expect(
      problems({
        dataset: DATASET,
        round: 5,
        minclinics: 3,
        privacy: 'secagg',
        quorum: 3,
        model: { architecture: 'mlp', hiddenUnits: [8], hidden: [8] },
        training: { lerningRate: 0.1 },
        secagg: { clipRnage: 4 },
      }),
    ).toEqual([
      'round is not a known field (did you mean rounds?)',
      'minclinics is not a known field (did you mean minClinics?)',
      'model.hidden is not a known field (did you mean model.hiddenUnits?)',
      'secagg.clipRnage is not a known field (did you mean secagg.clipRange?)',
      'training.lerningRate is not a known field (did you mean training.learningRate?)',
    ]);
    expect(problems({ dataset: DATASET, privacy: 'he', encryption: { parameterset: 'n8192-q60-s40' } })).toEqual([
      'encryption.parameterset is not a known field (did you mean encryption.parameterSet?)',
    ]);
  });

  it('lists the known fields when none is close, beside the other problems of the study', () => {
    expect(problems({ dataset: DATASET, rounds: 0, colour: 'blue' })).toEqual([
      'rounds must be an integer >= 1, got 0',
      expect.stringMatching(/^colour is not a known field \(known: .*\bdataset\b.*\brounds\b.*\bseed\b.*\)$/),
    ]);
  });

  it('is refused inside a cox-newton time grid and a strategy, with the closest setting', () => {
    expect(problems({ dataset: 'pbc3', model: { architecture: 'cox-newton', timeGrid: { step: 30, end: 720, ends: 1 } } })).toEqual([
      'model.timeGrid.ends is not a known field (did you mean model.timeGrid.end?)',
    ]);
    expect(problems({ dataset: DATASET, strategy: { name: 'fedadam', beta: 0.9 } })).toEqual([
      'strategy.beta is not a setting of fedadam (its settings: serverLearningRate, beta1, tau, beta2), did you mean beta1?',
    ]);
  });

  it('never refuses a field that is read: every documented field at once is accepted', () => {
    const dp = parseStudyConfig({
      name: 'every field',
      dataset: DATASET,
      model: { architecture: 'mlp', hiddenUnits: [8] },
      strategy: { name: 'fedavg', serverLearningRate: 1 },
      training: { optimizer: 'adam', learningRate: 0.01, batchSize: 4, localSteps: 10 },
      rounds: 3,
      quorum: 3,
      minClinics: 4,
      roundTimeoutS: 60,
      seed: 7,
      privacy: 'he+dp',
      encryption: { parameterSet: 'n8192-q60-s40' },
      dp: { targetEpsilon: 0.5, delta: 1e-5, clipNorm: 1 },
    });
    expect(dp.dp).toEqual({ targetEpsilon: 0.5, delta: 1e-5, clipNorm: 1 });
    const secagg = parseStudyConfig({
      dataset: DATASET,
      privacy: 'secagg',
      secagg: { clipRange: 8, degree: 3, threshold: 2, stageTimeoutS: 30, expectedDropout: 0.1 },
    });
    expect(secagg.secagg?.degree).toBe(3);
    expect(parseStudyConfig({ dataset: 'pbc3', model: { architecture: 'cox-newton', timeGrid: { times: [30, 60] } } }).model.architecture).toBe('cox-newton');
  });

  it('is refused on a model whose architecture is also wrong, without refusing its real fields', () => {
    expect(problems({ dataset: DATASET, model: { architecture: 'cox-linear', hiddenUnits: [4], timeGrid: { step: 1, end: 2 } } })).toEqual([
      'model.architecture "cox-linear" is for survival datasets; this one is a binary task',
    ]);
  });
});
