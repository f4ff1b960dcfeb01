import { describe, expect, it } from '@jest/globals';
import { studyDefinition, valuesFrom } from './study-form.js';

describe('the new-study form', () => {
  it('sends given fields only, nested by path, numbers as numbers', () => {
    expect(studyDefinition({ name: ' heart ', dataset: 'fed-heart-disease', rounds: '3', 'training.learningRate': '0.05', seed: '' })).toEqual({
      name: 'heart',
      dataset: 'fed-heart-disease',
      rounds: 3,
      training: { learningRate: 0.05 },
    });
  });

  it('leaves DP settings out unless the privacy mode uses DP', () => {
    expect(studyDefinition({ dataset: 'd', privacy: 'he', 'dp.targetEpsilon': '0.5' })).toEqual({ dataset: 'd', privacy: 'he' });
    expect(studyDefinition({ dataset: 'd', privacy: 'secagg+dp', 'dp.targetEpsilon': '0.5' })).toEqual({
      dataset: 'd',
      privacy: 'secagg+dp',
      dp: { targetEpsilon: 0.5 },
    });
  });

  it('passes a number that does not parse on as typed, for the server to name', () => {
    expect(studyDefinition({ rounds: 'three' })).toEqual({ rounds: 'three' });
  });

  it('fills the fields from effective settings', () => {
    const values = valuesFrom({ name: 'n', rounds: 15, training: { optimizer: 'sgd', batchSize: 4 }, dp: null });
    expect(values).toEqual({ name: 'n', rounds: '15', 'training.optimizer': 'sgd', 'training.batchSize': '4' });
  });
});
