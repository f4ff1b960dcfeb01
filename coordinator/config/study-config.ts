import { datasetDescriptor, defaultArchitecture, type DatasetDefaults, type DatasetDescriptor, type Task } from '../../common/datasets.js';
import { DAY_MS, SECOND_MS, seconds } from '../../common/durations.js';
import { FieldReader, isObject } from '../../common/json-fields.js';
import { checkTimeGrid, MAX_TIME_GRID, modelSpec, type ModelSpec } from '../../common/model-spec.js';
import { statisticsLength, type StudySchema } from '../../common/schema/index.js';
import { checkPreprocessing, readOwnDataset, type Preprocessing } from './own-dataset.js';

export type { Preprocessing } from './own-dataset.js';
import { parsePrivacyMode, type PrivacyMode } from '../../common/privacy-mode.js';
import { checkPrivacyQuorum, readPrivacy, type DpSettings, type EncryptionSettings, type SecAggSettings } from '../protocols/privacy-settings.js';
import { STRATEGIES, StrategyConfigError, type StrategyConfig, type StrategyRegistry } from '../../strategies/index.js';
import { storedStudyProblems } from '../persistence/stored-limits.js';

/** How each clinic trains in a round. */
export interface TrainingSettings {
  /** Clinic optimiser, `sgd` or `adam`. Default `sgd`. */
  optimizer: 'sgd' | 'adam';
  /** Clinic learning rate. Default: the dataset's (fed-tcga-brca 0.1, or 0.01 with its he/secagg default strategy), else 0.01. */
  learningRate: number;
  /** Mini-batch size. Default: the dataset's (fed-tcga-brca 8), else 4. */
  batchSize: number;
  /** Mini-batch updates per round. Default 100. */
  localSteps: number;
}

export { differentiallyPrivate, encrypts, PRIVACY_MODES, securelyAggregates, type PrivacyMode } from '../../common/privacy-mode.js';

export { DEFAULT_DP, DEFAULT_SECAGG, type DpSettings, type EncryptionSettings, type SecAggSettings } from '../protocols/privacy-settings.js';

/** A study as an operator defines it; every field has a default but `dataset`. */
export interface StudyConfig {
  /** Display name. Default: `<dataset> <strategy>`. */
  name: string;
  /**
   * Dataset the clinics serve, e.g. `fed-heart-disease`; decides the model's input size. A study with
   * its own `schema` names its dataset (1-40 lower-case letters, digits, '.', '_', '-') and the
   * study keeps `<name>@<schema fingerprint>`, the id its clinics register with.
   */
  dataset: string;
  /** The consortium's own data: the study schema (common/schema, docs/schema.md) its clinics' CSV files map onto; null for a built-in dataset. */
  schema: StudySchema | null;
  /**
   * With a schema: how clinics impute and normalise. `federated` (default): with consortium-wide
   * statistics combined in an extra first round under the study's privacy mode; `site`: each with
   * its own. Null for a built-in dataset, which preprocesses as its benchmark protocol does.
   */
  preprocessing: Preprocessing | null;
  /**
   * Model architecture and hidden layers. Default: the dataset's (pbc3: cox-newton), else logistic
   * regression, or cox-linear for a survival task. A cox-newton model's `timeGrid` (`{ step, end }`
   * or `{ times }`, in the dataset's time unit, at most 1000 times) is where the clinics' sums give the
   * federated baseline hazard; default the dataset's (pbc3: every 365.25/12 days to 6 years), else none.
   */
  model: ModelSpec;
  /**
   * Aggregation strategy with every setting filled in. Default: the dataset's own (pbc3:
   * newton-raphson; fed-tcga-brca under he or secagg: FedYogi), else {@link defaultStrategy}: the
   * geometric median where the coordinator sees each update, FedAdam where it sees only their sum.
   */
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
  /**
   * Rounds to run. Default: the dataset's (fed-tcga-brca 5, pbc3 8), else 15 (FLamby's Fed-Heart-Disease
   * schedule). With federated preprocessing, one more than asked: round 1 combines the statistics.
   */
  rounds: number;
  /**
   * Fewest updates a round may close with at its timeout, or once every other asked clinic refused
   * or had its update rejected. Default {@link defaultQuorum} of the dataset's sites: all but fewer
   * than a third, so one silent or lying member of four cannot fail a round; with newton-raphson,
   * every site (a model stratified by clinic needs every clinic's likelihood).
   */
  quorum: number;
  /**
   * Connected clinics needed before round 1 opens. Default: the quorum when the study sets one, else
   * every site of the dataset. Required for a study with its own schema (its sites are whoever enrols).
   */
  minClinics: number;
  /** Seconds a round waits for its clinics, from 0.001 to 604800 (7 days). Default 300. */
  roundTimeoutS: number;
  /** Seeds the initial model and each clinic's shuffling. Default 42. */
  seed: number;
}

/** A round waits at most 7 days for its clinics (setTimeout itself cannot wait past 24.8 days). */
export const ROUND_TIMEOUT_S = seconds(0.001, (7 * DAY_MS) / SECOND_MS);

export class StudyConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid study: ${problems.join('; ')}`);
    this.name = 'StudyConfigError';
  }
}

/**
 * FedAdam with FLamby's own FedAdam hyper-parameters (client SGD lr 0.01, server lr 0.01, betas
 * 0.9/0.999, tau 1e-8): on Fed-Heart-Disease it beats FLamby's FedAvg protocol (client lr 0.001,
 * plain averaging) by about 0.04 mean site accuracy with a third of its spread over seeds
 * (docs/benchmarks.md). The default where updates are hidden (he, secagg): only their mean is known.
 */
export const DEFAULT_STRATEGY: StrategyConfig = STRATEGIES.definition('fedadam').defaults;

/**
 * The default where the coordinator sees each update (privacy none, dp): the geometric median, which
 * keeps mean site accuracy on Fed-Heart-Disease above 0.70 with one hostile clinic of four under
 * every attack `cohort simulate --attack` knows, where FedAdam falls to 0.37 (docs/benchmarks.md#hostile-clinics).
 */
export const ROBUST_DEFAULT_STRATEGY: StrategyConfig = STRATEGIES.definition('geometric-median').defaults;

/** The strategy a study under `privacy` gets when it names none. */
export function defaultStrategy(privacy: PrivacyMode): StrategyConfig {
  return parsePrivacyMode(privacy).transport === 'plain' ? ROBUST_DEFAULT_STRATEGY : DEFAULT_STRATEGY;
}

export const DEFAULT_TRAINING: TrainingSettings = { optimizer: 'sgd', learningRate: 0.01, batchSize: 4, localSteps: 100 };
/** FLamby's FedAvg protocol on Fed-Heart-Disease, for reproducing its table. */
export const FLAMBY_FEDAVG = {
  strategy: { name: 'fedavg' },
  training: { optimizer: 'sgd', learningRate: 1e-3, batchSize: 4, localSteps: 100 },
  rounds: 15,
} as const;

/**
 * The default quorum for `sites` sites: every site but fewer than a third of them, the share of
 * faulty members Byzantine agreement tolerates (4 sites: 3; 6: 5; 20: 14; 1 to 3: all of them).
 */
export function defaultQuorum(sites: number): number {
  return sites - Math.floor((sites - 1) / 3);
}

/**
 * Validates an operator's study definition (HTTP body or CLI flags), filling defaults; lists every
 * problem at once. `strategies`: where strategy names are looked up (tests pass their own).
 */
export function parseStudyConfig(input: unknown, strategies: StrategyRegistry = STRATEGIES): StudyConfig {
  const problems: string[] = [];
  const raw = isObject(input) ? input : (problems.push('a study must be a JSON object'), {});
  const field = new FieldReader(raw, problems);

  const own = readOwnDataset(field, problems);
  const dataset = own ? own.id : field.string('dataset');
  // A schema that failed to parse is reported as such, not as an unknown built-in dataset.
  const descriptor = own ? own.descriptor : field.has('schema') ? null : knownDataset(dataset, problems);
  const { inputDim, outputDim, task } = descriptor ?? { inputDim: 1, outputDim: 1, task: 'binary' as const };
  const ownModel = readModel(field.nested('model'), descriptor, { inputDim, outputDim, task }, problems);
  const federated = own?.preprocessing === 'federated';
  // The consortium's statistics travel after the model's own parameters, filled in round 1.
  const model = federated ? { ...ownModel, statistics: statisticsLength(inputDim) } : ownModel;
  const privacy = readPrivacy(field, problems);
  if (own) checkPreprocessing(own, privacy.privacy, problems);
  checkPrivacyForTask(privacy.privacy, model, problems);
  const hidden = parsePrivacyMode(privacy.privacy).transport !== 'plain';
  const strategyRaw = field.object('strategy') ?? {};
  // A dataset may suit a mean-only strategy (he, secagg) better with its own client learning rate.
  const meanOnly = hidden && strategyRaw['name'] === undefined ? descriptor?.defaults?.hiddenUpdates : undefined;
  const defaults = { ...descriptor?.defaults, ...(meanOnly && { learningRate: meanOnly.learningRate }) };
  const training = readTraining(field.nested('training'), defaults, problems);
  // A cox-newton model is fitted by newton-raphson and nothing else: naming the model is enough.
  const datasetStrategy =
    meanOnly?.strategy ?? descriptor?.defaults?.strategy ?? (model.architecture === 'cox-newton' ? { name: 'newton-raphson' } : undefined);
  const fallback = datasetStrategy ? strategies.parse(datasetStrategy) : defaultStrategy(privacy.privacy);
  const strategy = parseStrategy(strategies, strategyRaw, fallback, problems);
  if (strategy && strategies.create(strategy).needsIndividualUpdates && hidden) {
    problems.push(
      `strategy "${strategy.name}" needs each clinic's update, which privacy "${privacy.privacy}" hides from the coordinator (only their sum is known)`,
    );
  }

  const givenMinClinics = field.integer('minClinics', 1);
  if (own && givenMinClinics === undefined) problems.push('minClinics is required for a study with its own schema: how many clinics round 1 waits for');
  const sites = own ? (givenMinClinics ?? 1) : dataset && problems.length === 0 ? datasetDescriptor(dataset).sites.length : 1;
  const givenQuorum = field.integer('quorum', 1);
  const stratified = (strategy ?? fallback).name === 'newton-raphson';
  // A model stratified by clinic sums every clinic's likelihood: a round without one fits another model.
  const quorum = givenQuorum ?? (stratified ? sites : defaultQuorum(sites));
  if (stratified) checkNewtonRaphson(model, quorum, sites, problems);
  else if (model.architecture === 'cox-newton') problems.push(`model cox-newton is fitted by strategy "newton-raphson", not "${(strategy ?? fallback).name}"`);
  // A study that sets its quorum starts with it, as before; otherwise round 1 waits for every site.
  const minClinics = givenMinClinics ?? givenQuorum ?? sites;
  if (minClinics < quorum) problems.push(`minClinics (${minClinics}) must be at least the quorum (${quorum})`);
  checkPrivacyQuorum(privacy.privacy, quorum, problems);

  const config: StudyConfig = {
    name: field.string('name') ?? `${dataset ?? 'study'} ${(strategy ?? fallback).name}`,
    dataset: dataset ?? '',
    schema: own?.schema ?? null,
    preprocessing: own?.preprocessing ?? null,
    model,
    strategy: strategy ?? fallback,
    training,
    ...privacy,
    rounds: (field.integer('rounds', 1) ?? descriptor?.defaults?.rounds ?? 15) + (federated ? 1 : 0),
    quorum,
    minClinics,
    roundTimeoutS: field.duration('roundTimeoutS', ROUND_TIMEOUT_S) ?? 300,
    seed: field.integer('seed', 0) ?? 42,
  };
  if (dataset === undefined) problems.push('dataset is required');
  // A misspelt field would otherwise leave its setting at the default in silence (dp.epsilon: a doubled privacy target).
  field.refuseUnknown();
  if (problems.length === 0) problems.push(...storedStudyProblems(config));
  if (problems.length > 0) throw new StudyConfigError(problems);
  return config;
}

function readTraining(field: FieldReader, defaults: DatasetDefaults, problems: string[]): TrainingSettings {
  const optimizer = field.string('optimizer') ?? DEFAULT_TRAINING.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam') problems.push(`training.optimizer "${optimizer}" is unknown (known: sgd, adam)`);
  return {
    optimizer: optimizer === 'adam' ? 'adam' : 'sgd',
    learningRate: field.positive('learningRate') ?? defaults.learningRate ?? DEFAULT_TRAINING.learningRate,
    batchSize: field.integer('batchSize', 1) ?? defaults.batchSize ?? DEFAULT_TRAINING.batchSize,
    localSteps: field.integer('localSteps', 1) ?? defaults.localSteps ?? DEFAULT_TRAINING.localSteps,
  };
}

/**
 * Differential privacy for survival studies: a cox-linear model trains by DP-SGD with the batch's
 * whole gradient clipped (the clinic's Cox DP-SGD, docs/survival.md), or, under secagg+dp, clips its whole
 * update as any model does. A cox-newton fit is refused (docs/survival.md#newton-raphson-under-differential-privacy).
 */
function checkPrivacyForTask(privacy: PrivacyMode, model: ModelSpec, problems: string[]): void {
  if (model.architecture === 'cox-newton' && parsePrivacyMode(privacy).dp !== 'none') {
    problems.push(
      `privacy "${privacy}" is not available for a cox-newton model: noise on each round's score and information sums would shift the Newton-Raphson estimate by the inverse information times the noise, leave its standard errors and intervals too narrow, and can make the information matrix indefinite so the fit diverges; one patient's share of those sums is not bounded without bounding the covariates and the coefficients. Train a cox-linear model with privacy "${privacy}" (DP-SGD), or fit cox-newton under "secagg"`,
    );
  }
}

/** Newton-Raphson fits a cox-newton model from every clinic's sums, with the round's total weight. */
function checkNewtonRaphson(model: ModelSpec, quorum: number, sites: number, problems: string[]): void {
  if (model.architecture !== 'cox-newton') problems.push(`strategy "newton-raphson" fits a cox-newton model, not ${model.architecture}`);
  if (quorum !== sites) {
    problems.push(
      `strategy "newton-raphson" fits a model stratified by clinic: every one of the ${sites} clinics answers every round (quorum ${sites}, not ${quorum})`,
    );
  }
}

function knownDataset(name: string | undefined, problems: string[]): DatasetDescriptor | null {
  if (name === undefined) return null;
  try {
    return datasetDescriptor(name);
  } catch (error) {
    problems.push((error as Error).message);
    return null;
  }
}

/**
 * The model, its architecture by default the dataset's or the task's: a survival task takes a Cox
 * model and nothing else does, a regression task linear-regression and nothing else does.
 */
function readModel(
  field: FieldReader,
  descriptor: DatasetDescriptor | null,
  { inputDim, outputDim, task }: { inputDim: number; outputDim: number; task: Task },
  problems: string[],
): ModelSpec {
  const architecture = field.string('architecture') ?? descriptor?.defaults?.architecture ?? defaultArchitecture(task);
  const hiddenUnits = field.integerList('hiddenUnits') ?? [];
  field.allow('timeGrid'); // read below for a model that may have one
  if (architecture.startsWith('cox-') !== (task === 'survival')) {
    problems.push(
      task === 'survival'
        ? `model.architecture "${architecture}" cannot fit a survival dataset (it takes cox-linear or cox-newton)`
        : `model.architecture "${architecture}" is for survival datasets; this one is a ${task} task`,
    );
    return modelSpec(defaultArchitecture(task), inputDim, [], outputDim);
  }
  // A regression is fitted by a linear model (mean squared error); a classifier never predicts a number.
  if ((architecture === 'linear-regression') !== (task === 'regression') && task !== 'survival') {
    problems.push(
      task === 'regression'
        ? `model.architecture "${architecture}" cannot fit a regression dataset (it takes linear-regression; a regression mlp is not available yet)`
        : `model.architecture "${architecture}" is for regression datasets; this one is a ${task} task`,
    );
    return modelSpec(defaultArchitecture(task), inputDim, [], outputDim);
  }
  const timeGrid = readTimeGrid(field, architecture, descriptor, problems);
  try {
    return modelSpec(architecture, inputDim, hiddenUnits, outputDim, timeGrid);
  } catch (error) {
    problems.push(`model: ${(error as Error).message}`);
    return modelSpec(defaultArchitecture(task), inputDim, [], outputDim);
  }
}

/**
 * `model.timeGrid`: `{ "step": s, "end": e }` (s, 2s, ... up to e) or `{ "times": [...] }`; by default
 * the dataset's for a cox-newton model (pbc3: a month's step to 6 years), else none. Undefined after a problem.
 */
function readTimeGrid(field: FieldReader, architecture: string, descriptor: DatasetDescriptor | null, problems: string[]): number[] | undefined {
  const fallback = architecture === 'cox-newton' ? descriptor?.defaults?.timeGrid : undefined;
  if (!field.has('timeGrid')) return fallback && gridOf(fallback.step, fallback.end);
  const grid = field.nested('timeGrid');
  const times = grid.numberList('times');
  const step = grid.positive('step');
  const end = grid.positive('end');
  let found: number[] | undefined;
  if (times !== undefined && (step !== undefined || end !== undefined)) problems.push('model.timeGrid takes either times or step and end, not both');
  else if (times !== undefined) found = times;
  else if (step === undefined || end === undefined) {
    // A times field of the wrong type is already named.
    if (!grid.has('times')) problems.push('model.timeGrid needs times, or step and end');
  } else if (end / step > MAX_TIME_GRID) problems.push(`model.timeGrid: step ${step} to ${end} makes more than ${MAX_TIME_GRID} times`);
  else if (end < step) problems.push(`model.timeGrid: end ${end} comes before the first step ${step}`);
  else found = gridOf(step, end);
  if (found === undefined) return undefined;
  try {
    if (architecture !== 'cox-newton') throw new Error(`a time grid is for a cox-newton model's baseline hazard, not ${architecture}`);
    checkTimeGrid(found);
    return found;
  } catch (error) {
    problems.push(`model.timeGrid: ${(error as Error).message}`);
    return undefined;
  }
}

function gridOf(step: number, end: number): number[] {
  // The last time may be end itself, up to float rounding of end / step.
  return Array.from({ length: Math.floor(end / step + 1e-9) }, (_, k) => (k + 1) * step);
}

/** The study's strategy with every default filled in (`fallback` when none is named); null after a problem. */
function parseStrategy(strategies: StrategyRegistry, raw: Record<string, unknown>, fallback: StrategyConfig, problems: string[]): StrategyConfig | null {
  try {
    // Settings given without a name adjust the default, its own settings included.
    return strategies.parse(raw['name'] === undefined ? { ...fallback, ...raw } : raw);
  } catch (error) {
    if (!(error instanceof StrategyConfigError)) throw error;
    problems.push(...error.problems.map((problem) => `strategy.${problem}`));
    return null;
  }
}
