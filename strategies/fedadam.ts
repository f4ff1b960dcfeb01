import { defineStrategy } from './definition.js';
import { beta2Setting, FedOpt, fedOptSettings, type FedOptSettings } from './fedopt.js';

/** FedAdam: Adam's exponential moving average of the squared pseudo-gradient. */
export class FedAdam extends FedOpt {
  readonly name: string = 'fedadam';

  constructor(
    settings: FedOptSettings,
    private readonly beta2: number,
  ) {
    super(settings);
  }

  protected secondMoment(v: number, d2: number): number {
    return this.beta2 * v + (1 - this.beta2) * d2;
  }
}

/** FLamby's FedAdam hyper-parameters for Fed-Heart-Disease, Cohort's default study (docs/benchmarks.md). */
export const FEDADAM = defineStrategy({
  name: 'fedadam',
  summary: 'FedAdam (Reddi et al. 2021): Adam on the server, the mean update as its pseudo-gradient',
  settings: { ...fedOptSettings({ serverLearningRate: 0.01, beta1: 0.9, tau: 1e-8 }), beta2: beta2Setting(0.999) },
  create: (settings) => new FedAdam(settings, settings.beta2),
});
