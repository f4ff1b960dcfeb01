import { defineStrategy } from './definition.js';
import { FedAvg } from './fedavg.js';
import { NON_NEGATIVE, POSITIVE } from './settings.js';
import type { FitConfig } from './strategy.js';

/**
 * FedProx (Li et al., "Federated Optimization in Heterogeneous Networks", 2020): FedAvg on the
 * server; each clinic adds the proximal term mu/2 * ||w - w_global||^2 to its local objective, which
 * keeps its model near the global one when sites differ.
 */
export class FedProx extends FedAvg {
  override readonly name: string = 'fedprox';

  constructor(
    serverLearningRate: number,
    private readonly mu: number,
  ) {
    super(serverLearningRate);
  }

  override fitConfig(): FitConfig {
    return { proximalMu: this.mu };
  }
}

/** mu 0.1 as FLamby's benchmark uses for FedProx. */
export const FEDPROX = defineStrategy({
  name: 'fedprox',
  summary: 'FedProx (Li et al. 2020): FedAvg with a proximal term mu at each clinic',
  settings: {
    mu: { summary: 'weight of the proximal term mu/2 * ||w - w_global||^2 in local training; 0 is FedAvg', default: 0.1, range: NON_NEGATIVE },
    serverLearningRate: { summary: 'scales the mean update; 1 applies it as is', default: 1, range: POSITIVE },
  },
  create: ({ mu, serverLearningRate }) => new FedProx(serverLearningRate, mu),
});
