import { describe, expect, it } from '@jest/globals';
import { closestKey, didYouMean, editDistance } from './closest-key.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('seed', 'seed')).toBe(0);
    expect(editDistance('round', 'rounds')).toBe(1);
    expect(editDistance('rounds', 'round')).toBe(1);
    expect(editDistance('delta', 'delte')).toBe(1);
    expect(editDistance('unti', 'unit')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestKey', () => {
  const DP = ['targetEpsilon', 'delta', 'clipNorm'];

  it('finds a misspelling within a third of the length', () => {
    expect(closestKey('lerningRate', ['optimizer', 'learningRate', 'batchSize', 'localSteps'])).toBe('learningRate');
    expect(closestKey('clipnorm', DP)).toBe('clipNorm');
    expect(closestKey('grpc-prot', ['grpc-port', 'http-port'])).toBe('grpc-port');
  });

  it('ignores case and word separators: camelCase finds kebab-case and the other way round', () => {
    expect(closestKey('grpcPort', ['grpc-port', 'http-port'])).toBe('grpc-port');
    expect(closestKey('min-clinics', ['minClinics', 'quorum'])).toBe('minClinics');
    expect(closestKey('GRPC_PORT', ['grpc-port'])).toBe('grpc-port');
  });

  it('finds a known name holding every word of the given one when no spelling is close', () => {
    expect(closestKey('epsilon', DP)).toBe('targetEpsilon');
    expect(
      closestKey(
        'timeout',
        ['roundTimeoutS', 'stageTimeoutS'].map((k) => k.replace('TimeoutS', '-timeout')),
      ),
    ).toBe('round-timeout');
  });

  it('suggests nothing for a name unlike every known one', () => {
    expect(closestKey('colour', ['task', 'features', 'target'])).toBeUndefined();
    expect(closestKey('x', DP)).toBeUndefined();
    expect(closestKey('momentum', ['serverLearningRate', 'beta1', 'beta2', 'tau'])).toBeUndefined();
    expect(closestKey('anything', [])).toBeUndefined();
  });

  it('prefers the nearest of several close names', () => {
    expect(closestKey('quorom', ['quota', 'quorum'])).toBe('quorum');
    expect(closestKey('seeds', ['set', 'seed'])).toBe('seed');
    expect(closestKey('sed', ['seed', 'set'])).toBe('seed');
  });
});

describe('didYouMean', () => {
  it('is a parenthesised hint showing the key as asked, or nothing', () => {
    expect(didYouMean('epsilon', ['targetEpsilon'], (k) => `dp.${k}`)).toBe(' (did you mean dp.targetEpsilon?)');
    expect(didYouMean('colour', ['task'])).toBe('');
  });
});
