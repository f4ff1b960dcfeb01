import { describe, expect, it } from '@jest/globals';
import { FEDADAM } from './fedadam.js';

const f = Math.fround;

describe('FedAdam', () => {
  it("defaults to FLamby's FedAdam settings, whatever else is given", () => {
    expect(FEDADAM.defaults).toEqual({ name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 });
    // The bug this guards: naming fedadam with only a learning rate used to give beta2 0.99 and tau 1e-9.
    expect(FEDADAM.parse({ name: 'fedadam', serverLearningRate: 0.01 })).toEqual(FEDADAM.defaults);
    expect(FEDADAM.parse({ name: 'fedadam', beta2: 0.99 })).toEqual({ name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-8 });
    expect(() => FEDADAM.parse({ beta2: 1 })).toThrow('beta2 must be a number in [0, 1), got 1');
  });

  it("uses Adam's moving average for the second moment, from the state it is given", () => {
    const strategy = FEDADAM.create({ name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 });
    const state = { m: new Float32Array([0.1]), v: new Float32Array([0.09]) };
    const { parameters, state: next } = strategy.serverStep(new Float32Array([0.5]), new Float32Array([0.2]), state);
    // v = 0.999 * 0.09 + 0.001 * 0.04 = 0.08995 (Yogi would give 0.09 - 0.001 * 0.04 = 0.08996; Adagrad 0.13).
    expect(next!['v']![0]).toBeCloseTo(0.08995, 8);
    expect(next!['m']![0]).toBeCloseTo(0.11, 7);
    expect(parameters[0]).toBe(f(0.5 + (0.01 * f(0.9 * f(0.1) + 0.1 * f(0.2))) / (Math.sqrt(next!['v']![0]!) + 1e-8)));
    expect(parameters[0]).toBeCloseTo(0.5 + 0.0011 / Math.sqrt(0.08995), 7);
  });

  it('moves each coordinate by about eta * 3.16 on the first round (v = 0.001 d^2)', () => {
    const results = [
      { clinicId: 'a', numSamples: 1, delta: new Float32Array([1, 0]) },
      { clinicId: 'b', numSamples: 3, delta: new Float32Array([5, 4]) },
    ];
    const { parameters, state } = FEDADAM.create({ name: 'fedadam', serverLearningRate: 0.1, tau: 1e-9 }).aggregate(results, new Float32Array([0, 0]), null);
    // m = 0.1 d, v = 0.001 d^2: each coordinate moves by 0.1 * 0.1 / sqrt(0.001) = 0.316 (d > 0).
    expect(parameters[0]).toBeCloseTo(0.1 * Math.sqrt(10), 6);
    expect(parameters[1]).toBeCloseTo(0.1 * Math.sqrt(10), 6);
    expect(Array.from(state!['m']!).map((x) => Number(x.toFixed(6)))).toEqual([0.4, 0.3]);
    expect(state!['v']![0]).toBeCloseTo(0.016, 8);
  });
});
