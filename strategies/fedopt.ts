import { selectAllAvailable } from './fedavg.js';
import type { AggregateResult, FitPlan, RoundContext, Strategy, StrategyState } from './strategy.js';

export type FedOptVariant = 'fedadam' | 'fedyogi' | 'fedadagrad';

export interface FedOptOptions {
  /** Server learning rate. Default 0.01. */
  serverLearningRate?: number;
  /** First-moment decay. Default 0.9. */
  beta1?: number;
  /** Second-moment decay (Adam, Yogi). Default 0.99. */
  beta2?: number;
  /** Adaptivity: added to the root of the second moment. Default 1e-9 as in Flower. */
  tau?: number;
}

/**
 * Adaptive server optimisers (Reddi et al., "Adaptive Federated Optimization", 2021): the mean
 * delta is a pseudo-gradient fed to Adam, Yogi or Adagrad on the server. Only the second-moment
 * update differs between the three, so they share this class.
 */
export class FedOpt implements Strategy {
  readonly name: FedOptVariant;
  private readonly eta: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly tau: number;

  constructor(variant: FedOptVariant, options: FedOptOptions = {}) {
    this.name = variant;
    this.eta = options.serverLearningRate ?? 0.01;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.99;
    this.tau = options.tau ?? 1e-9;
  }

  configureFit(round: RoundContext): FitPlan {
    return selectAllAvailable(round);
  }

  serverStep(global: Float32Array, delta: Float32Array, state: StrategyState | null): AggregateResult {
    // Copies: a caller's state (e.g. a clinic's cached model) must not change under it.
    const m = Float32Array.from(state?.['m'] ?? new Float32Array(global.length));
    const v = Float32Array.from(state?.['v'] ?? new Float32Array(global.length));
    const parameters = new Float32Array(global.length);
    for (let i = 0; i < global.length; i++) {
      const d = delta[i]!;
      m[i] = this.beta1 * m[i]! + (1 - this.beta1) * d;
      v[i] = this.secondMoment(v[i]!, d * d);
      parameters[i] = global[i]! + (this.eta * m[i]!) / (Math.sqrt(v[i]!) + this.tau);
    }
    return { parameters, state: { m, v } };
  }

  private secondMoment(v: number, d2: number): number {
    switch (this.name) {
      case 'fedadam':
        return this.beta2 * v + (1 - this.beta2) * d2;
      case 'fedyogi':
        return v - (1 - this.beta2) * d2 * Math.sign(v - d2);
      case 'fedadagrad':
        return v + d2;
    }
  }
}
