import { describe, expect, it } from '@jest/globals';
import { FEDPROX } from './fedprox.js';
import { STRATEGIES } from './registry.js';

const results = [
  { clinicId: 'a', numSamples: 1, delta: new Float32Array([1, 0]) },
  { clinicId: 'b', numSamples: 3, delta: new Float32Array([5, 4]) },
];

describe('FedProx', () => {
  it("defaults to FLamby's mu 0.1 and FedAvg's server step", () => {
    expect(FEDPROX.defaults).toEqual({ name: 'fedprox', mu: 0.1, serverLearningRate: 1 });
    expect(STRATEGIES.definition('fedprox')).toBe(FEDPROX);
    expect(FEDPROX.parse({ name: 'fedprox', mu: 0 })).toEqual({ name: 'fedprox', mu: 0, serverLearningRate: 1 });
    expect(() => FEDPROX.parse({ mu: -0.1 })).toThrow('mu must be a number >= 0, got -0.1');
  });

  it('asks every clinic to train with the proximal term, every round', () => {
    const strategy = FEDPROX.create({ name: 'fedprox', mu: 0.01 });
    expect(strategy.name).toBe('fedprox');
    expect(strategy.fitConfig(1)).toEqual({ proximalMu: 0.01 });
    expect(strategy.fitConfig(7)).toEqual({ proximalMu: 0.01 });
    expect(FEDPROX.create({ name: 'fedprox' }).fitConfig(1)).toEqual({ proximalMu: 0.1 });
    expect(strategy.configureFit({ round: 1, available: ['a', 'b'] })).toEqual({ clinics: ['a', 'b'] });
    expect(strategy.needsIndividualUpdates).toBe(false);
  });

  it('aggregates as FedAvg: the weighted mean delta, scaled by the server learning rate', () => {
    const { parameters, state } = FEDPROX.create({ name: 'fedprox' }).aggregate(results, new Float32Array([1, 1]), null);
    expect(Array.from(parameters)).toEqual([5, 4]);
    expect(state).toBeNull();
    expect(
      Array.from(FEDPROX.create({ name: 'fedprox', serverLearningRate: 0.5 }).serverStep(new Float32Array([1, 1]), new Float32Array([4, 3]), null).parameters),
    ).toEqual([3, 2.5]);
  });
});
