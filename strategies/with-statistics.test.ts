import { describe, expect, test } from '@jest/globals';
import { createStrategy, studyStrategy, WithFeatureStatistics } from './index.js';

const fedavg = createStrategy({ name: 'fedavg' });

describe('WithFeatureStatistics', () => {
  // Two own parameters, then a block of three values whose last is the flag.
  const empty = Float32Array.of(0.5, -1, 0, 0, 0);

  test("the statistics round fills the block with the clinics' weighted mean and leaves the model as it was", () => {
    const strategy = new WithFeatureStatistics(fedavg, 3);
    const results = [
      { clinicId: 'a', numSamples: 1, delta: Float32Array.of(0, 0, 0.2, 4, 1) },
      { clinicId: 'b', numSamples: 3, delta: Float32Array.of(0, 0, 0.6, 8, 1) },
    ];
    const { parameters, state } = strategy.aggregate(results, empty, null);
    expect(Array.from(parameters)).toEqual([0.5, -1, Math.fround(0.5), 7, 1]);
    expect(state).toBeNull();
    // Where only the mean is known (he, secagg), the same block.
    const stepped = strategy.serverStep(empty, Float32Array.of(0, 0, 0.5, 7, 1), null);
    expect(Array.from(stepped.parameters)).toEqual(Array.from(parameters));
  });

  test('after it, the wrapped strategy moves the model alone and the block stays put', () => {
    const strategy = new WithFeatureStatistics(createStrategy({ name: 'fedavg', serverLearningRate: 1 }), 3);
    const filled = Float32Array.of(0.5, -1, 0.5, 7, 1);
    const results = [
      { clinicId: 'a', numSamples: 1, delta: Float32Array.of(1, 2, 9, 9, 9) },
      { clinicId: 'b', numSamples: 1, delta: Float32Array.of(3, 4, 9, 9, 9) },
    ];
    expect(Array.from(strategy.aggregate(results, filled, null).parameters)).toEqual([2.5, 2, 0.5, 7, 1]);
    expect(Array.from(strategy.serverStep(filled, Float32Array.of(2, 3, 9, 9, 9), null).parameters)).toEqual([2.5, 2, 0.5, 7, 1]);
  });

  test('studyStrategy wraps only a model with a statistics block, and keeps its name and needs', () => {
    expect(studyStrategy({ name: 'fedavg' }, {})).not.toBeInstanceOf(WithFeatureStatistics);
    const wrapped = studyStrategy({ name: 'geometric-median' }, { statistics: 3 });
    expect(wrapped).toBeInstanceOf(WithFeatureStatistics);
    expect(wrapped.name).toBe('geometric-median');
    expect(wrapped.needsIndividualUpdates).toBe(true);
    expect(() => new WithFeatureStatistics(fedavg, 0)).toThrow(/positive length/);
    expect(() => new WithFeatureStatistics(fedavg, 3).aggregate([], Float32Array.of(1, 2, 3), null)).toThrow(/cannot end with a statistics block/);
  });
});
