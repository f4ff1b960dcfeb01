import { describe, expect, it } from '@jest/globals';
import { FEDAVG } from './fedavg.js';

const results = [
  { clinicId: 'a', numSamples: 1, delta: new Float32Array([1, 0]) },
  { clinicId: 'b', numSamples: 3, delta: new Float32Array([5, 4]) },
];

describe('FedAvg', () => {
  it('defaults to applying the mean update as is', () => {
    expect(FEDAVG.defaults).toEqual({ name: 'fedavg', serverLearningRate: 1 });
    expect(FEDAVG.parse({ name: 'fedavg', serverLearningRate: 0.5 })).toEqual({ name: 'fedavg', serverLearningRate: 0.5 });
    expect(() => FEDAVG.parse({ serverLearningRate: 0 })).toThrow('serverLearningRate must be a number > 0, got 0');
    expect(() => FEDAVG.parse({ beta1: 0.9 })).toThrow('beta1 is not a setting of fedavg (its settings: serverLearningRate)');
  });

  it('adds the sample-weighted mean delta to the global model, keeping no state', () => {
    const { parameters, state } = FEDAVG.create({ name: 'fedavg' }).aggregate(results, new Float32Array([1, 1]), null);
    expect(Array.from(parameters)).toEqual([5, 4]);
    expect(state).toBeNull();
  });

  it('scales the mean delta by the server learning rate', () => {
    const strategy = FEDAVG.create({ name: 'fedavg', serverLearningRate: 0.5 });
    expect(strategy.name).toBe('fedavg');
    expect(Array.from(strategy.serverStep(new Float32Array([1, -1]), new Float32Array([4, 3]), null).parameters)).toEqual([3, 0.5]);
  });

  it('asks every available clinic to train as it would alone', () => {
    const strategy = FEDAVG.create(FEDAVG.defaults);
    expect(strategy.configureFit({ round: 1, available: ['a', 'b'] }).clinics).toEqual(['a', 'b']);
    expect(strategy.fitConfig(1)).toEqual({});
    expect(strategy.needsIndividualUpdates).toBe(false);
  });
});
