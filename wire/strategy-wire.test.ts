import { describe, expect, it } from '@jest/globals';
import type { StrategySpec__Output } from '../protos/generated/cohort/v1/StrategySpec.js';
import { STRATEGIES } from '../strategies/index.js';
import { strategyFromWire, strategyToWire } from './strategy-wire.js';

const received = (spec: Partial<StrategySpec__Output>): StrategySpec__Output => ({
  name: '',
  serverLearningRate: 0,
  beta1: 0,
  beta2: 0,
  tau: 0,
  settings: {},
  ...spec,
});

describe('a strategy on the wire', () => {
  it('carries every setting, and the fields older nodes read', () => {
    const fedadam = STRATEGIES.parse({ name: 'fedadam' });
    expect(strategyToWire(fedadam)).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
      settings: { serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 },
    });
    expect(strategyToWire({ name: 'fedavg', serverLearningRate: 1 })).toEqual({ name: 'fedavg', serverLearningRate: 1, settings: { serverLearningRate: 1 } });
    expect(strategyFromWire(received(strategyToWire(fedadam) as Partial<StrategySpec__Output>))).toEqual(fedadam);
  });

  it('reads a task from an older coordinator: zero fields take the defaults, fields the strategy lacks are ignored', () => {
    expect(strategyFromWire(received({ name: 'fedadam', serverLearningRate: 0.02 }))).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.02,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
    });
    expect(strategyFromWire(received({ name: 'fedadagrad', beta2: 0.99, tau: 1e-3 }))).toEqual({
      name: 'fedadagrad',
      serverLearningRate: 0.01,
      beta1: 0.9,
      tau: 1e-3,
    });
  });

  it('refuses an unknown strategy or setting, naming it', () => {
    expect(() => strategyFromWire(received({ name: 'fedmagic' }))).toThrow('name "fedmagic" is unknown');
    expect(() => strategyFromWire(received({ name: 'fedavg', settings: { gamma: 1 } }))).toThrow('gamma is not a setting of fedavg');
  });
});
