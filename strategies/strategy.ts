/**
 * A federated strategy, split as in Flower: `configureFit` decides who trains and how, `serverStep`
 * turns the round's sample-weighted mean update into the next global model. Strategies see flat
 * parameter vectors only and are pure, so the step runs wherever the mean is known: at the
 * coordinator for plain studies, at every clinic for encrypted ones (only clinics can decrypt the mean).
 */
export interface Strategy {
  readonly name: string;
  configureFit(round: RoundContext): FitPlan;
  /** Next global parameters and the strategy's state to persist (e.g. server optimiser moments). */
  serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null): AggregateResult;
}

export interface RoundContext {
  round: number;
  /** Clinics connected and eligible for this round, in registration order. */
  available: readonly string[];
}

export interface FitPlan {
  clinics: string[];
}

export interface FitResult {
  clinicId: string;
  /** Aggregation weight: the clinic's training sample count. */
  numSamples: number;
  /** Local parameters after training minus the global parameters it started from. */
  delta: Float32Array;
}

/** Named vectors a strategy carries from round to round; persisted with each model version. */
export type StrategyState = Record<string, Float32Array>;

export interface AggregateResult {
  parameters: Float32Array;
  state: StrategyState | null;
}

/** Study-level settings of a strategy, as stored with the study. */
export interface StrategyConfig {
  name: string;
  /** Server learning rate; FedAvg's default 1 applies the mean update as is. */
  serverLearningRate?: number;
  /** FedOpt moment decay rates and adaptivity (Reddi et al. 2021). */
  beta1?: number;
  beta2?: number;
  tau?: number;
}
