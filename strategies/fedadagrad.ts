import { defineStrategy } from './definition.js';
import { FedOpt, fedOptSettings } from './fedopt.js';

/** FedAdagrad: the second moment is the sum of every squared pseudo-gradient so far. */
export class FedAdagrad extends FedOpt {
  readonly name: string = 'fedadagrad';

  protected secondMoment(v: number, d2: number): number {
    return v + d2;
  }
}

export const FEDADAGRAD = defineStrategy({
  name: 'fedadagrad',
  summary: 'FedAdagrad (Reddi et al. 2021): Adagrad on the server, the mean update as its pseudo-gradient',
  settings: fedOptSettings({ serverLearningRate: 0.01, beta1: 0.9, tau: 1e-9 }),
  create: (settings) => new FedAdagrad(settings),
});
