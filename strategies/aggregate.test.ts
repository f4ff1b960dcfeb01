import { describe, expect, it } from '@jest/globals';
import { MeanStepStrategy, selectAllAvailable, weightedMeanDelta } from './aggregate.js';
import type { AggregateResult, StrategyState } from './strategy.js';

const results = [
  { clinicId: 'a', numSamples: 1, delta: new Float32Array([1, 0]) },
  { clinicId: 'b', numSamples: 3, delta: new Float32Array([5, 4]) },
];

/** Records what its server step was given, and returns it as the new model. */
class RecordingStep extends MeanStepStrategy {
  readonly name = 'recording';
  calls: { global: number[]; meanDelta: number[]; state: StrategyState | null }[] = [];

  serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null): AggregateResult {
    this.calls.push({ global: [...global], meanDelta: [...meanDelta], state });
    return { parameters: meanDelta, state: { seen: global } };
  }
}

describe('weighted mean', () => {
  it('weights each delta by its sample count', () => {
    expect(Array.from(weightedMeanDelta(results, 2))).toEqual([4, 3]);
    expect(Array.from(weightedMeanDelta([{ clinicId: 'c', numSamples: 2, delta: new Float32Array([0.5, -1]) }], 2))).toEqual([0.5, -1]);
  });

  it('refuses a delta of the wrong length, without samples, or a round without updates', () => {
    expect(() => weightedMeanDelta([{ clinicId: 'c', numSamples: 2, delta: new Float32Array(3) }], 2)).toThrow('update from c has 3 parameters, expected 2');
    expect(() => weightedMeanDelta([{ clinicId: 'c', numSamples: 0, delta: new Float32Array(2) }], 2)).toThrow('update from c has no samples to weight it by');
    expect(() => weightedMeanDelta([{ clinicId: 'c', numSamples: -1, delta: new Float32Array(2) }], 2)).toThrow('update from c has no samples to weight it by');
    expect(() => weightedMeanDelta([], 2)).toThrow('cannot aggregate a round without updates');
  });
});

describe('a strategy that needs only the mean', () => {
  it('aggregates by its server step on the weighted mean, passing the global model and state through', () => {
    const strategy = new RecordingStep();
    const state = { m: new Float32Array([7, 7]) };
    const { parameters, state: next } = strategy.aggregate(results, new Float32Array([1, 2]), state);
    expect(strategy.calls).toEqual([{ global: [1, 2], meanDelta: [4, 3], state }]);
    expect(Array.from(parameters)).toEqual([4, 3]);
    expect(Array.from(next!['seen']!)).toEqual([1, 2]);
  });

  it('refuses updates of another length than the global model', () => {
    expect(() => new RecordingStep().aggregate(results, new Float32Array(3), null)).toThrow('update from a has 2 parameters, expected 3');
  });

  it('asks every available clinic, tells them nothing special, and needs no individual update', () => {
    const strategy = new RecordingStep();
    const available = ['va', 'cleveland'];
    const plan = strategy.configureFit({ round: 3, available });
    expect(plan).toEqual({ clinics: ['va', 'cleveland'] });
    expect(plan.clinics).not.toBe(available);
    expect(strategy.fitConfig(3)).toEqual({});
    expect(strategy.needsIndividualUpdates).toBe(false);
    expect(selectAllAvailable({ round: 1, available: [] })).toEqual({ clinics: [] });
  });
});
