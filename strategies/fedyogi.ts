import { defineStrategy } from './definition.js';
import { beta2Setting, FedOpt, fedOptSettings, type FedOptSettings } from './fedopt.js';

/** FedYogi: Yogi's additive second moment, which grows or shrinks by at most (1 - beta2) d^2 a round. */
export class FedYogi extends FedOpt {
  readonly name: string = 'fedyogi';

  constructor(
    settings: FedOptSettings,
    private readonly beta2: number,
  ) {
    super(settings);
  }

  protected secondMoment(v: number, d2: number): number {
    return v - (1 - this.beta2) * d2 * Math.sign(v - d2);
  }
}

export const FEDYOGI = defineStrategy({
  name: 'fedyogi',
  summary: 'FedYogi (Reddi et al. 2021): Yogi on the server, the mean update as its pseudo-gradient',
  settings: { ...fedOptSettings({ serverLearningRate: 0.01, beta1: 0.9, tau: 1e-9 }), beta2: beta2Setting(0.99) },
  create: (settings) => new FedYogi(settings, settings.beta2),
});
