import { MeanStepStrategy } from './aggregate.js';
import { DECAY_RATE, POSITIVE, type SettingSpec } from './settings.js';
import type { AggregateResult, StrategyState } from './strategy.js';

export interface FedOptSettings {
  /** Server learning rate. */
  serverLearningRate: number;
  /** First-moment decay. */
  beta1: number;
  /** Adaptivity: added to the root of the second moment. */
  tau: number;
}

/** The settings FedAdam, FedYogi and FedAdagrad share; each names its own defaults. */
export const fedOptSettings = (defaults: FedOptSettings) => ({
  serverLearningRate: { summary: 'step size of the server optimiser', default: defaults.serverLearningRate, range: POSITIVE } satisfies SettingSpec,
  beta1: { summary: 'first-moment (momentum) decay', default: defaults.beta1, range: DECAY_RATE } satisfies SettingSpec,
  tau: { summary: 'adaptivity: added to the root of the second moment', default: defaults.tau, range: POSITIVE } satisfies SettingSpec,
});

export const beta2Setting = (defaultValue: number): SettingSpec => ({ summary: 'second-moment decay', default: defaultValue, range: DECAY_RATE });

/**
 * Adaptive server optimisers (Reddi et al., "Adaptive Federated Optimization", 2021): the mean
 * delta is a pseudo-gradient fed to Adam, Yogi or Adagrad on the server. Only the second-moment
 * update differs between the three, so each is this class with its own `secondMoment`.
 */
export abstract class FedOpt extends MeanStepStrategy {
  constructor(private readonly settings: FedOptSettings) {
    super();
  }

  serverStep(global: Float32Array, delta: Float32Array, state: StrategyState | null): AggregateResult {
    const { serverLearningRate: eta, beta1, tau } = this.settings;
    // Copies: a caller's state (e.g. a clinic's cached model) must not change under it.
    const m = Float32Array.from(state?.['m'] ?? new Float32Array(global.length));
    const v = Float32Array.from(state?.['v'] ?? new Float32Array(global.length));
    const parameters = new Float32Array(global.length);
    for (let i = 0; i < global.length; i++) {
      const d = delta[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * d;
      v[i] = this.secondMoment(v[i]!, d * d);
      parameters[i] = global[i]! + (eta * m[i]!) / (Math.sqrt(v[i]!) + tau);
    }
    return { parameters, state: { m, v } };
  }

  /** The next second-moment estimate from the previous one and the squared pseudo-gradient. */
  protected abstract secondMoment(v: number, d2: number): number;
}
