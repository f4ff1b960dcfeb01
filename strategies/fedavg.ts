import type { AggregateResult, FitPlan, RoundContext, Strategy } from './strategy.js';

/** FedAvg (McMahan et al. 2017): global += serverLearningRate * sample-weighted mean of the deltas. */
export class FedAvg implements Strategy {
  readonly name = 'fedavg';

  constructor(private readonly serverLearningRate = 1) {}

  configureFit(round: RoundContext): FitPlan {
    return selectAllAvailable(round);
  }

  serverStep(global: Float32Array, meanDelta: Float32Array): AggregateResult {
    return { parameters: global.map((w, i) => w + this.serverLearningRate * meanDelta[i]!), state: null };
  }
}

/** Every connected clinic trains: consortia are small, and each site's data counts. */
export function selectAllAvailable({ available }: RoundContext): FitPlan {
  return { clinics: [...available] };
}
