import { describe, expect, it } from '@jest/globals';
import { FEDYOGI } from './fedyogi.js';

describe('FedYogi', () => {
  it('defaults to beta2 0.99 and tau 1e-9', () => {
    expect(FEDYOGI.defaults).toEqual({ name: 'fedyogi', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.99, tau: 1e-9 });
  });

  it('moves the second moment by (1 - beta2) d^2 towards d^2, from the state it is given', () => {
    const strategy = FEDYOGI.create({ name: 'fedyogi', beta2: 0.9 });
    const step = (v: number, d: number) =>
      strategy.serverStep(new Float32Array([0]), new Float32Array([d]), { m: new Float32Array([0]), v: new Float32Array([v]) });
    // v above d^2: 0.09 - 0.1 * 0.04 = 0.086 (Adam: 0.9 * 0.09 + 0.1 * 0.04 = 0.085).
    expect(step(0.09, 0.2).state!['v']![0]).toBeCloseTo(0.086, 8);
    // v below d^2: 0.01 + 0.1 * 0.04 = 0.014 (Adam: 0.013).
    expect(step(0.01, 0.2).state!['v']![0]).toBeCloseTo(0.014, 8);
    // v equal to d^2 stays.
    expect(step(0.25, 0.5).state!['v']![0]).toBe(0.25);
    const { parameters, state } = step(0.09, 0.2);
    expect(state!['m']![0]).toBeCloseTo(0.02, 8);
    expect(parameters[0]).toBeCloseTo((0.01 * 0.02) / (Math.sqrt(0.086) + 1e-9), 8);
  });

  it('starts from v = (1 - beta2) d^2 without a state', () => {
    const { state } = FEDYOGI.create({ name: 'fedyogi' }).serverStep(new Float32Array(1), new Float32Array([4]), null);
    expect(state!['v']![0]).toBeCloseTo(0.16, 6);
  });
});
