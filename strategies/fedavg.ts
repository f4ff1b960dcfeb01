import { MeanStepStrategy } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { POSITIVE } from './settings.js';
import type { AggregateResult } from './strategy.js';

/** FedAvg (McMahan et al. 2017): global += serverLearningRate * sample-weighted mean of the deltas. */
export class FedAvg extends MeanStepStrategy {
  readonly name: string = 'fedavg';

  constructor(private readonly serverLearningRate: number) {
    super();
  }

  serverStep(global: Float32Array, meanDelta: Float32Array): AggregateResult {
    return { parameters: global.map((w, i) => w + this.serverLearningRate * meanDelta[i]!), state: null };
  }
}

export const FEDAVG = defineStrategy({
  name: 'fedavg',
  summary: 'FedAvg (McMahan et al. 2017): the sample-weighted mean update, scaled by the server learning rate',
  settings: {
    serverLearningRate: { summary: 'scales the mean update; 1 applies it as is', default: 1, range: POSITIVE },
  },
  create: ({ serverLearningRate }) => new FedAvg(serverLearningRate),
});
