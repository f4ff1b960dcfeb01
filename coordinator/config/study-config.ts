import { datasetDescriptor } from '../../common/datasets.js';
import { modelSpec, type ModelSpec } from '../../common/model-spec.js';
import { differentiallyPrivate, encrypts, PRIVACY_MODES, securelyAggregates, type PrivacyMode } from '../../common/privacy-mode.js';
import { DEFAULT_PARAMETER_SET, PARAMETER_SETS } from '../../crypto/index.js';
import { STRATEGY_NAMES, type StrategyConfig } from '../../strategies/index.js';

/** How each clinic trains in a round. */
export interface TrainingSettings {
  /** Clinic optimiser, `sgd` or `adam`. Default `sgd`. */
  optimizer: 'sgd' | 'adam';
  /** Clinic learning rate. Default 0.01. */
  learningRate: number;
  /** Mini-batch size. Default 4. */
  batchSize: number;
  /** Mini-batch updates per round. Default 100. */
  localSteps: number;
}

export { differentiallyPrivate, encrypts, PRIVACY_MODES, securelyAggregates, type PrivacyMode } from '../../common/privacy-mode.js';

/** Secure aggregation of a study with privacy `secagg` or `secagg+dp`. */
export interface SecAggSettings {
  /** Each update value is clipped to [-clipRange, clipRange] before fixed-point quantisation. Default 8 (as Flower's SecAgg+). */
  clipRange: number;
  /**
   * Neighbours per clinic; null: the smallest that survives `expectedDropout` (a round fails with
   * probability below 1e-6), never below SecAgg+'s 2·ceil(log2 n); all pairs for small consortia. Default null.
   */
  degree: number | null;
  /** Shares needed to reconstruct a secret; null: just over half of the neighbours. Must be more than half. Default null. */
  threshold: number | null;
  /** Seconds each key stage (adverts, shares, unmasking) waits for its clinics. Default 30. */
  stageTimeoutS: number;
  /** The share of clinics a round should survive losing, when the degree is chosen for it. Default 0.1. */
  expectedDropout: number;
}

export const DEFAULT_SECAGG: SecAggSettings = { clipRange: 8, degree: null, threshold: null, stageTimeoutS: 30, expectedDropout: 0.1 };

/** Differential privacy of a study with privacy `dp` or `he+dp` (patient-level DP-SGD at each clinic). */
export interface DpSettings {
  /** Epsilon the whole study may cost each clinic, at `delta`; each clinic calibrates its noise to it. Default 1. */
  targetEpsilon: number;
  /** Default 1e-5; keep it well below 1 / (records at the smallest clinic). */
  delta: number;
  /** L2 bound on each record's gradient. Default 1. */
  clipNorm: number;
}

export const DEFAULT_DP: DpSettings = { targetEpsilon: 1, delta: 1e-5, clipNorm: 1 };

/** CKKS settings of a study with privacy `he`. */
export interface EncryptionSettings {
  /** CKKS parameter set (crypto/ckks/parameter-sets.ts). Default `n8192-q60-s40`. */
  parameterSet: string;
}

/** A study as an operator defines it; every field has a default but `dataset`. */
export interface StudyConfig {
  /** Display name. Default: `<dataset> <strategy>`. */
  name: string;
  /** Dataset the clinics serve, e.g. `fed-heart-disease`; decides the model's input size. */
  dataset: string;
  /** Model architecture and hidden layers. Default logistic regression. */
  model: ModelSpec;
  /** Aggregation strategy. Default {@link DEFAULT_STRATEGY} (FedAdam). */
  strategy: StrategyConfig;
  training: TrainingSettings;
  /**
   * `none`: updates travel as plain float32. `he`: clinics send CKKS-encrypted updates, the
   * coordinator sums ciphertexts without any key, and only clinics can decrypt the sum. `dp`:
   * clinics train with DP-SGD within their own privacy budgets. `he+dp`: both. Default `none`.
   */
  privacy: PrivacyMode;
  /** With privacy `he` or `he+dp`: the CKKS parameter set; null otherwise. */
  encryption: EncryptionSettings | null;
  /** With privacy `dp`, `he+dp` or `secagg+dp`: the privacy target each clinic trains to; null otherwise. */
  dp: DpSettings | null;
  /** With privacy `secagg` or `secagg+dp`: how updates are quantised and the protocol's graph; null otherwise. */
  secagg: SecAggSettings | null;
  /** Rounds to run. Default 15 (FLamby's Fed-Heart-Disease schedule). */
  rounds: number;
  /** Fewest updates a round may close with at its timeout. Default: every site of the dataset. */
  quorum: number;
  /** Connected clinics needed before round 1 opens. Default: the quorum. */
  minClinics: number;
  /** Seconds a round waits for its clinics. Default 300. */
  roundTimeoutS: number;
  /** Seeds the initial model and each clinic's shuffling. Default 42. */
  seed: number;
}

export class StudyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid study: ${problems.join('; ')}`);
    this.name = 'StudyConfigError';
  }
}

/**
 * Defaults: FedAdam with FLamby's own FedAdam hyper-parameters (client SGD lr 0.01, server lr 0.01,
 * betas 0.9/0.999, tau 1e-8). On Fed-Heart-Disease this beats FLamby's FedAvg protocol (client lr
 * 0.001, plain averaging) by about 0.04 mean site accuracy with a third of its spread over seeds
 * (docs/benchmarks.md). `FLAMBY_FEDAVG` is FLamby's FedAvg protocol, for reproducing its table.
 */
export const DEFAULT_STRATEGY: StrategyConfig = { name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 };
export const DEFAULT_TRAINING: TrainingSettings = { optimizer: 'sgd', learningRate: 0.01, batchSize: 4, localSteps: 100 };
export const FLAMBY_FEDAVG = {
  strategy: { name: 'fedavg' },
  training: { optimizer: 'sgd', learningRate: 1e-3, batchSize: 4, localSteps: 100 },
  rounds: 15,
} as const;

type Json = Record<string, unknown>;

/** Validates an operator's study definition (HTTP body or CLI flags), filling defaults; lists every problem at once. */
export function parseStudyConfig(input: unknown): StudyConfig {
  const problems: string[] = [];
  const raw = isObject(input) ? input : (problems.push('a study must be a JSON object'), {});
  const field = new FieldReader(raw, problems);

  const dataset = field.string('dataset');
  let inputDim = 1;
  let outputDim = 1;
  if (dataset !== undefined) {
    try {
      ({ inputDim, outputDim } = datasetDescriptor(dataset));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }

  const modelRaw = field.object('model') ?? {};
  const modelField = new FieldReader(modelRaw, problems, 'model.');
  let model: ModelSpec = modelSpec('logistic-regression', inputDim, [], outputDim);
  try {
    model = modelSpec(
      modelField.string('architecture') ?? 'logistic-regression',
      inputDim,
      modelField.integerList('hiddenUnits') ?? [],
      outputDim,
    );
  } catch (error) {
    problems.push(`model: ${(error as Error).message}`);
  }

  const strategyRaw = field.object('strategy') ?? {};
  const strategyField = new FieldReader(strategyRaw, problems, 'strategy.');
  const strategyName = strategyField.string('name') ?? DEFAULT_STRATEGY.name;
  if (!(STRATEGY_NAMES as readonly string[]).includes(strategyName)) {
    problems.push(`strategy.name "${strategyName}" is unknown (known: ${STRATEGY_NAMES.join(', ')})`);
  }
  // The default strategy keeps its tuned settings; a named one starts from its own defaults.
  const strategy: StrategyConfig = strategyField.string('name') === undefined ? { ...DEFAULT_STRATEGY } : { name: strategyName };
  for (const key of ['serverLearningRate', 'beta1', 'beta2', 'tau'] as const) {
    const value = strategyField.positive(key);
    if (value !== undefined) strategy[key] = value;
  }

  const trainingField = new FieldReader(field.object('training') ?? {}, problems, 'training.');
  const optimizer = trainingField.string('optimizer') ?? DEFAULT_TRAINING.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam') problems.push(`training.optimizer "${optimizer}" is unknown (known: sgd, adam)`);
  const training: TrainingSettings = {
    optimizer: optimizer === 'adam' ? 'adam' : 'sgd',
    learningRate: trainingField.positive('learningRate') ?? DEFAULT_TRAINING.learningRate,
    batchSize: trainingField.integer('batchSize', 1) ?? DEFAULT_TRAINING.batchSize,
    localSteps: trainingField.integer('localSteps', 1) ?? DEFAULT_TRAINING.localSteps,
  };

  const privacyName = field.string('privacy') ?? 'none';
  const privacy = PRIVACY_MODES.find((mode) => mode === privacyName);
  if (!privacy) problems.push(`privacy "${privacyName}" is not available (known: ${PRIVACY_MODES.join(', ')})`);
  const encryptionField = new FieldReader(field.object('encryption') ?? {}, problems, 'encryption.');
  const parameterSet = encryptionField.string('parameterSet') ?? DEFAULT_PARAMETER_SET.name;
  if (!PARAMETER_SETS.some((set) => set.name === parameterSet)) {
    problems.push(`encryption.parameterSet "${parameterSet}" is unknown (known: ${PARAMETER_SETS.map((set) => set.name).join(', ')})`);
  }

  const dpField = new FieldReader(field.object('dp') ?? {}, problems, 'dp.');
  const dp: DpSettings = {
    targetEpsilon: dpField.positive('targetEpsilon') ?? DEFAULT_DP.targetEpsilon,
    delta: dpField.positive('delta') ?? DEFAULT_DP.delta,
    clipNorm: dpField.positive('clipNorm') ?? DEFAULT_DP.clipNorm,
  };
  if (!(dp.delta < 1)) problems.push(`dp.delta must be below 1, got ${dp.delta}`);
  // Settings for a mode the study does not use would be silently ignored: say so instead.
  if (privacy && raw['dp'] !== undefined && !differentiallyPrivate(privacy)) problems.push(`dp settings need privacy "dp", "he+dp" or "secagg+dp", the study's privacy is "${privacy}"`);
  if (privacy && raw['encryption'] !== undefined && !encrypts(privacy)) problems.push(`encryption settings need privacy "he" or "he+dp", the study's privacy is "${privacy}"`);
  const secaggField = new FieldReader(field.object('secagg') ?? {}, problems, 'secagg.');
  const secagg: SecAggSettings = {
    clipRange: secaggField.positive('clipRange') ?? DEFAULT_SECAGG.clipRange,
    degree: secaggField.integer('degree', 2) ?? DEFAULT_SECAGG.degree,
    threshold: secaggField.integer('threshold', 2) ?? DEFAULT_SECAGG.threshold,
    stageTimeoutS: secaggField.positive('stageTimeoutS') ?? DEFAULT_SECAGG.stageTimeoutS,
    expectedDropout: secaggField.positive('expectedDropout') ?? DEFAULT_SECAGG.expectedDropout,
  };
  if (!(secagg.expectedDropout < 0.5)) problems.push(`secagg.expectedDropout must be below 0.5 (more than half of every neighbourhood must survive), got ${secagg.expectedDropout}`);
  if (privacy && raw['secagg'] !== undefined && !securelyAggregates(privacy)) problems.push(`secagg settings need privacy "secagg" or "secagg+dp", the study's privacy is "${privacy}"`);

  const sites = dataset && problems.length === 0 ? datasetDescriptor(dataset).sites.length : 1;
  const quorum = field.integer('quorum', 1) ?? sites;
  const minClinics = field.integer('minClinics', 1) ?? quorum;
  if (minClinics < quorum) problems.push(`minClinics (${minClinics}) must be at least the quorum (${quorum})`);
  if (privacy && securelyAggregates(privacy) && quorum < 3) problems.push(`secure aggregation needs a quorum of at least 3 clinics (with 2, each learns the other's update from the sum), got ${quorum}`);

  const config: StudyConfig = {
    name: field.string('name') ?? `${dataset ?? 'study'} ${strategyName}`,
    dataset: dataset ?? '',
    model,
    strategy,
    training,
    privacy: privacy ?? 'none',
    encryption: privacy && encrypts(privacy) ? { parameterSet } : null,
    dp: privacy && differentiallyPrivate(privacy) ? dp : null,
    secagg: privacy && securelyAggregates(privacy) ? secagg : null,
    rounds: field.integer('rounds', 1) ?? 15,
    quorum,
    minClinics,
    roundTimeoutS: field.positive('roundTimeoutS') ?? 300,
    seed: field.integer('seed', 0) ?? 42,
  };
  if (dataset === undefined) problems.push('dataset is required');
  if (problems.length > 0) throw new StudyConfigError(problems);
  return config;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads optional typed fields, recording a problem for each present field of the wrong type. */
class FieldReader {
  constructor(
    private readonly raw: Json,
    private readonly problems: string[],
    private readonly prefix = '',
  ) {}

  private read<T>(key: string, ok: (v: unknown) => boolean, expected: string): T | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (!ok(value)) {
      this.problems.push(`${this.prefix}${key} must be ${expected}, got ${JSON.stringify(value)}`);
      return undefined;
    }
    return value as T;
  }

  string(key: string): string | undefined {
    return this.read(key, (v) => typeof v === 'string' && v.length > 0, 'a non-empty string');
  }

  integer(key: string, min: number): number | undefined {
    return this.read(key, (v) => Number.isInteger(v) && (v as number) >= min, `an integer >= ${min}`);
  }

  positive(key: string): number | undefined {
    return this.read(key, (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, 'a positive number');
  }

  integerList(key: string): number[] | undefined {
    return this.read(key, (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x > 0), 'a list of positive integers');
  }

  object(key: string): Json | undefined {
    return this.read(key, isObject, 'an object');
  }
}
