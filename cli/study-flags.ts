import { datasetDescriptor, type DatasetDefaults } from '../common/datasets.js';
import { FLAMBY_FEDAVG } from '../coordinator/config/study-config.js';
import { UsageError } from './flags.js';

/** Flags shared by `cohort coordinator` and `cohort simulate` that define a study. */
export const STUDY_FLAGS = {
  dataset: { type: 'string' },
  strategy: { type: 'string' },
  'server-lr': { type: 'string' },
  'strategy-params': { type: 'string' },
  rounds: { type: 'string' },
  seed: { type: 'string' },
  model: { type: 'string' },
  hidden: { type: 'string' },
  optimizer: { type: 'string' },
  lr: { type: 'string' },
  'batch-size': { type: 'string' },
  'local-steps': { type: 'string' },
  quorum: { type: 'string' },
  'min-clinics': { type: 'string' },
  'round-timeout': { type: 'string' },
  privacy: { type: 'string' },
  'parameter-set': { type: 'string' },
  'target-epsilon': { type: 'string' },
  delta: { type: 'string' },
  'clip-norm': { type: 'string' },
  protocol: { type: 'string' },
} as const;

/** Old spellings of study flags: `--he-params` is `--parameter-set`, as in `cohort bench he` and the study's JSON. */
export const STUDY_FLAGS_RENAMED = { 'he-params': 'parameter-set' } as const;

/** `--protocol` values: Cohort's tuned defaults (the dataset's, then the study's), or the dataset's FLamby FedAvg protocol. */
export const PROTOCOL_NAMES = ['tuned', 'flamby'] as const;

/**
 * Each dataset's FLamby FedAvg protocol, for reproducing FLamby's tables (docs/benchmarks.md). For
 * Fed-TCGA-BRCA its dataset defaults are FLamby's (SGD lr 0.1, batch 8, 100 local updates, 5
 * rounds), with plain averaging. PBC3 is not a FLamby dataset: it has none.
 */
export const FLAMBY_PROTOCOLS: Readonly<Record<string, Record<string, unknown>>> = {
  'fed-heart-disease': FLAMBY_FEDAVG,
  'fed-tcga-brca': flambyFedAvg(datasetDescriptor('fed-tcga-brca').defaults ?? {}),
};

function flambyFedAvg(defaults: DatasetDefaults): Record<string, unknown> {
  const { learningRate, batchSize, localSteps, rounds } = defaults;
  return { strategy: { name: 'fedavg' }, training: { optimizer: 'sgd', learningRate, batchSize, localSteps }, rounds };
}

/** The study a protocol starts from, before the other flags; `dataset` is the study's (simulate's default when unset). */
function protocolStudy(name: string, dataset: string): Record<string, unknown> {
  if (name === 'tuned') return { strategy: {}, training: {} };
  if (name !== 'flamby') throw new UsageError(`--protocol must be one of ${PROTOCOL_NAMES.join(', ')}, got "${name}"`);
  const protocol = FLAMBY_PROTOCOLS[dataset];
  if (!protocol) {
    throw new UsageError(
      `--protocol flamby: FLamby has no protocol for ${dataset} (only for ${Object.keys(FLAMBY_PROTOCOLS).join(', ')}); leave --protocol out for Cohort's defaults`,
    );
  }
  return protocol;
}

type Values = Partial<Record<keyof typeof STUDY_FLAGS, string>>;

/** Turns study flags into the JSON study definition the coordinator validates (unset flags stay unset). */
export function studyFromFlags(values: Values): Record<string, unknown> {
  const number = (flag: keyof Values): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${raw}"`);
    return n;
  };
  const protocol = protocolStudy(values.protocol ?? 'tuned', values.dataset ?? 'fed-heart-disease');
  const base = structuredClone(protocol) as { strategy: Record<string, unknown>; training: Record<string, unknown> };
  const study: Record<string, unknown> = { ...base };
  const set = (target: Record<string, unknown>, key: string, value: unknown) => {
    if (value !== undefined) target[key] = value;
  };
  set(study, 'dataset', values.dataset);
  set(study, 'rounds', number('rounds'));
  set(study, 'seed', number('seed'));
  set(study, 'quorum', number('quorum'));
  set(study, 'minClinics', number('min-clinics'));
  set(study, 'roundTimeoutS', number('round-timeout'));
  set(study, 'privacy', values.privacy);
  if (values['parameter-set'] !== undefined) study['encryption'] = { parameterSet: values['parameter-set'] };
  const dp: Record<string, unknown> = {};
  set(dp, 'targetEpsilon', number('target-epsilon'));
  set(dp, 'delta', number('delta'));
  set(dp, 'clipNorm', number('clip-norm'));
  if (Object.keys(dp).length > 0) study['dp'] = dp;
  if (values.strategy !== undefined && values.strategy !== base.strategy['name']) base.strategy = { name: values.strategy };
  set(base.strategy, 'serverLearningRate', number('server-lr'));
  Object.assign(base.strategy, strategyParams(values['strategy-params']));
  study['strategy'] = base.strategy;
  set(base.training, 'optimizer', values.optimizer);
  set(base.training, 'learningRate', number('lr'));
  set(base.training, 'batchSize', number('batch-size'));
  set(base.training, 'localSteps', number('local-steps'));
  study['training'] = base.training;
  if (values.model !== undefined || values.hidden !== undefined) {
    const hiddenUnits = values.hidden?.split(',').map((h) => Number(h.trim()));
    study['model'] = { architecture: values.model ?? (hiddenUnits ? 'mlp' : 'logistic-regression'), hiddenUnits };
  }
  return study;
}

/**
 * `--strategy-params mu=0.1,serverLearningRate=1`: settings of the strategy by their study-JSON
 * names, checked by the strategy registry with the rest of the study (no flag per setting).
 */
function strategyParams(raw: string | undefined): Record<string, number> {
  const params: Record<string, number> = {};
  for (const pair of raw === undefined ? [] : raw.split(',')) {
    const [key, value, ...rest] = pair.split('=').map((part) => part.trim());
    const n = Number(value);
    if (!key || value === undefined || value === '' || rest.length > 0 || !Number.isFinite(n)) {
      throw new UsageError(`--strategy-params takes name=number pairs separated by commas, got "${pair}"`);
    }
    params[key] = n;
  }
  return params;
}
