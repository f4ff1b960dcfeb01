import { describe, expect, it } from '@jest/globals';
import { aggregateFit, createStrategy, weightedMeanDelta } from './index.js';

const results = [
  { clinicId: 'a', numSamples: 1, delta: new Float32Array([1, 0]) },
  { clinicId: 'b', numSamples: 3, delta: new Float32Array([5, 4]) },
];

describe('weighted mean', () => {
  it('weights each delta by its sample count', () => {
    expect(Array.from(weightedMeanDelta(results, 2))).toEqual([4, 3]);
  });

  it('refuses a delta of the wrong length or without samples', () => {
    expect(() => weightedMeanDelta([{ clinicId: 'c', numSamples: 2, delta: new Float32Array(3) }], 2)).toThrow(/c has 3 parameters, expected 2/);
    expect(() => weightedMeanDelta([{ clinicId: 'c', numSamples: 0, delta: new Float32Array(2) }], 2)).toThrow(/no samples/);
    expect(() => weightedMeanDelta([], 2)).toThrow(/without updates/);
  });
});

describe('strategies', () => {
  it('FedAvg adds the weighted mean delta to the global model', () => {
    const { parameters, state } = aggregateFit(createStrategy({ name: 'fedavg' }), new Float32Array([1, 1]), results, null);
    expect(Array.from(parameters)).toEqual([5, 4]);
    expect(state).toBeNull();
    expect(createStrategy({ name: 'fedavg' }).configureFit({ round: 1, available: ['a', 'b'] }).clinics).toEqual(['a', 'b']);
  });

  it('FedAdam takes a step of about the server learning rate along the mean delta and keeps its moments', () => {
    const fedadam = createStrategy({ name: 'fedadam', serverLearningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
    const first = aggregateFit(fedadam, new Float32Array([0, 0]), results, null);
    // m = 0.1 d, v = 0.01 d^2, so each coordinate moves by eta * 0.1 d / (0.1 |d|) = eta * sign(d).
    expect(first.parameters[0]).toBeCloseTo(0.1, 6);
    expect(first.parameters[1]).toBeCloseTo(0.1, 6);
    const second = aggregateFit(fedadam, first.parameters, results, first.state);
    expect(second.parameters[0]!).toBeGreaterThan(first.parameters[0]!);
    expect(second.state!['m']![0]).toBeCloseTo(0.9 * 0.4 + 0.1 * 4, 5);
  });

  it('FedYogi and FedAdagrad differ only in the second moment', () => {
    const yogi = aggregateFit(createStrategy({ name: 'fedyogi', serverLearningRate: 0.1 }), new Float32Array(2), results, null);
    const adagrad = aggregateFit(createStrategy({ name: 'fedadagrad', serverLearningRate: 0.1 }), new Float32Array(2), results, null);
    expect(yogi.state!['v']![0]).toBeCloseTo(0.01 * 16, 5);
    expect(adagrad.state!['v']![0]).toBeCloseTo(16, 5);
  });

  it('names the known strategies when given an unknown one', () => {
    expect(() => createStrategy({ name: 'fedmagic' })).toThrow('unknown strategy "fedmagic" (known: fedavg, fedadam, fedyogi, fedadagrad)');
  });
});
