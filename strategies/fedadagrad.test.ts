import { describe, expect, it } from '@jest/globals';
import { FEDADAGRAD } from './fedadagrad.js';

describe('FedAdagrad', () => {
  it('defaults to tau 1e-9 and has no second-moment decay', () => {
    expect(FEDADAGRAD.defaults).toEqual({ name: 'fedadagrad', serverLearningRate: 0.01, beta1: 0.9, tau: 1e-9 });
    expect(() => FEDADAGRAD.parse({ beta2: 0.99 })).toThrow('beta2 is not a setting of fedadagrad (its settings: serverLearningRate, beta1, tau)');
  });

  it('sums every squared mean update into the second moment, from the state it is given', () => {
    const strategy = FEDADAGRAD.create({ name: 'fedadagrad', serverLearningRate: 0.1 });
    const { parameters, state } = strategy.serverStep(new Float32Array([1]), new Float32Array([0.5]), {
      m: new Float32Array([1]),
      v: new Float32Array([0.75]),
    });
    expect(state!['v']![0]).toBe(1);
    expect(state!['m']![0]).toBeCloseTo(0.95, 7);
    expect(parameters[0]).toBeCloseTo(1 + (0.1 * 0.95) / (1 + 1e-9), 7);
    const first = strategy.serverStep(new Float32Array(1), new Float32Array([4]), null);
    expect(first.state!['v']![0]).toBe(16);
  });
});
