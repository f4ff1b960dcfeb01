/**
 * A federated strategy, split as in Flower: `configureFit` decides who trains, `fitConfig` how they
 * train, `aggregate` turns the round's updates into the next global model. Strategies see flat
 * parameter vectors only and are pure, so a step runs wherever its inputs are known: at the
 * coordinator for plain studies, at every clinic for encrypted ones (only clinics can decrypt the mean).
 */
export interface Strategy {
  readonly name: string;
  /**
   * True when `aggregate` must see each clinic's update (a median, Krum), not only their weighted
   * mean: such a strategy cannot run under a privacy mode that hides the individual updates.
   */
  readonly needsIndividualUpdates: boolean;
  configureFit(round: RoundContext): FitPlan;
  /** Settings every chosen clinic trains with in this round (e.g. `{ proximalMu: 0.1 }`); `{}` for plain local training. */
  fitConfig(round: number): FitConfig;
  /** Next global parameters and state from the round's individual sample-weighted updates. */
  aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult;
  /**
   * Next global parameters and state from the weighted mean update alone, where only the mean is
   * known (CKKS sums decrypted at the clinics, secure aggregation). Strategies that need individual
   * updates refuse it. `totalWeight`: the round's summed sample count, where the protocol gives it
   * beside the mean (CKKS carries it inside the ciphertexts); strategies that need it refuse without.
   */
  serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null, totalWeight?: number): AggregateResult;
}

export interface RoundContext {
  round: number;
  /** Clinics connected and eligible for this round, in registration order. */
  available: readonly string[];
}

export interface FitPlan {
  clinics: string[];
}

/** Named numbers a clinic's local training understands (clinic-node/training); a clinic refuses a name it does not know. */
export type FitConfig = Readonly<Record<string, number>>;

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

/**
 * A strategy as stored with a study and shown by `GET /studies/:id`: its name and, once parsed by
 * the registry, every one of its settings (defaults filled in), e.g.
 * `{ "name": "fedadam", "serverLearningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "tau": 1e-8 }`.
 */
export interface StrategyConfig {
  readonly name: string;
  readonly [setting: string]: string | number;
}
