import { describe, expect, it } from '@jest/globals';
import { FEDADAGRAD } from './fedadagrad.js';
import { FEDADAM } from './fedadam.js';
import { FEDYOGI } from './fedyogi.js';

/**
 * What FedAdam, FedYogi and FedAdagrad share (Reddi et al. 2021, Algorithm 2): the first moment
 * m = beta1 m + (1 - beta1) d, the step eta m / (sqrt(v) + tau), state copied rather than changed.
 */
describe.each([FEDADAM, FEDYOGI, FEDADAGRAD])('$name', (definition) => {
  it('keeps its first moment from the state it is given, and leaves that state as it was', () => {
    const strategy = definition.create({ name: definition.name, serverLearningRate: 0.5, beta1: 0.8, tau: 0.25 });
    const state = { m: new Float32Array([0.5, -1]), v: new Float32Array([0.25, 1]) };
    const { state: next } = strategy.serverStep(new Float32Array([1, 2]), new Float32Array([1, 0]), state);
    // m = 0.8 m + 0.2 d
    expect(Array.from(next!['m']!)).toEqual([Math.fround(0.8 * 0.5 + 0.2), Math.fround(-0.8)]);
    expect(Array.from(state.m)).toEqual([0.5, -1]);
    expect(Array.from(state.v)).toEqual([0.25, 1]);
    expect(next!['m']).not.toBe(state.m);
    expect(next!['v']).not.toBe(state.v);
  });

  it('moves by eta m / (sqrt(v) + tau), with moments that start at zero', () => {
    const strategy = definition.create({ name: definition.name, serverLearningRate: 0.5, beta1: 0.5, tau: 0.5 });
    const { parameters, state } = strategy.serverStep(new Float32Array([1, 2]), new Float32Array([0, 0]), null);
    expect(Array.from(parameters)).toEqual([1, 2]);
    expect(Array.from(state!['m']!)).toEqual([0, 0]);
    expect(Array.from(state!['v']!)).toEqual([0, 0]);
    // With v = 1 (kept by every rule when d = 0 for Adagrad; Adam/Yogi shrink it: checked in their own tests).
    const step = strategy.serverStep(new Float32Array([1]), new Float32Array([0]), { m: new Float32Array([2]), v: new Float32Array([1]) });
    const v = step.state!['v']![0]!;
    expect(step.parameters[0]).toBeCloseTo(1 + (0.5 * 1) / (Math.sqrt(v) + 0.5), 6);
  });

  it('needs only the mean, asks every clinic, and tells them nothing special', () => {
    const strategy = definition.create({ name: definition.name });
    expect(strategy.name).toBe(definition.name);
    expect(strategy.needsIndividualUpdates).toBe(false);
    expect(strategy.configureFit({ round: 2, available: ['a'] })).toEqual({ clinics: ['a'] });
    expect(strategy.fitConfig(2)).toEqual({});
  });

  it('refuses decay rates outside [0, 1) and a non-positive tau or learning rate', () => {
    expect(() => definition.parse({ beta1: 1, tau: 0, serverLearningRate: -0.1 })).toThrow(
      'invalid strategy: serverLearningRate must be a number > 0, got -0.1; beta1 must be a number in [0, 1), got 1; tau must be a number > 0, got 0',
    );
  });
});
