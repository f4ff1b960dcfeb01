/**
 * What the coordinator knows of a dataset: its name, sites and feature count. Never the records,
 * which only clinic nodes load (clinic-node/data).
 */
export interface DatasetDescriptor {
  name: string;
  /** What the model predicts: `binary` (a class, scored by accuracy) or `survival` (time to an event, scored by Harrell's C). */
  task: Task;
  /** Site names in the dataset's natural split, in FLamby's centre order. */
  sites: readonly string[];
  /** Features per record after preprocessing. */
  inputDim: number;
  /** Output units of the model. */
  outputDim: number;
  /** What a study on this dataset trains with unless it says otherwise (its benchmark protocol's values). */
  defaults?: DatasetDefaults;
  /** The covariates' names in model order, where a report names coefficients (Cox models). */
  covariates?: readonly string[];
}

/** A dataset's own defaults for a study: its benchmark protocol's schedule. */
export interface DatasetDefaults {
  /** The model architecture and strategy a study gets when it names none (before the task's and the privacy mode's). */
  architecture?: string;
  strategy?: { readonly name: string; readonly [setting: string]: string | number };
  learningRate?: number;
  batchSize?: number;
  localSteps?: number;
  rounds?: number;
  /**
   * Where only the mean of the updates is known (privacy he, secagg) and the study names no strategy:
   * the mean-only strategy and client learning rate that suit the dataset (the general default there
   * is FedAdam with Fed-Heart-Disease's settings).
   */
  hiddenUpdates?: { strategy: { readonly name: string; readonly [setting: string]: string | number }; learningRate: number };
}

export type Task = 'binary' | 'survival';

export const DATASETS: Readonly<Record<string, DatasetDescriptor>> = {
  'fed-heart-disease': {
    name: 'fed-heart-disease',
    task: 'binary',
    sites: ['cleveland', 'hungarian', 'switzerland', 'va'],
    inputDim: 13,
    outputDim: 1,
  },
  'fed-tcga-brca': {
    name: 'fed-tcga-brca',
    task: 'survival',
    // FLamby's six regions, in its client order.
    sites: ['northeast', 'south', 'west', 'midwest', 'europe', 'canada'],
    inputDim: 39,
    outputDim: 1,
    // FLamby's protocol: batch 8, 100 local updates, 5 rounds; its FedAvg client learning rate, and
    // under he or secagg its best strategy, FedYogi (server 0.1, clients 0.01) (docs/benchmarks.md).
    defaults: {
      learningRate: 0.1,
      batchSize: 8,
      localSteps: 100,
      rounds: 5,
      hiddenUpdates: { strategy: { name: 'fedyogi', serverLearningRate: 0.1 }, learningRate: 0.01 },
    },
  },
  // PBC3, a randomised trial at six hospitals: a Cox model stratified by hospital (each its own
  // baseline hazard) with treatment, albumin and log2 bilirubin, fitted by federated Newton-Raphson
  // on every complete case (evaluation is in-sample: the trial has no held-out split).
  pbc3: {
    name: 'pbc3',
    task: 'survival',
    sites: ['hvidovre', 'london', 'copenhagen', 'barcelona', 'munich', 'lyon'],
    inputDim: 3,
    outputDim: 1,
    covariates: ['tment', 'alb', 'log2bili'],
    defaults: { architecture: 'cox-newton', strategy: { name: 'newton-raphson' }, rounds: 8 },
  },
};

/** The model architecture a study on a dataset of `task` gets when it names none. */
export function defaultArchitecture(task: Task): 'logistic-regression' | 'cox-linear' {
  return task === 'survival' ? 'cox-linear' : 'logistic-regression';
}

export function datasetDescriptor(name: string): DatasetDescriptor {
  const descriptor = DATASETS[name];
  if (!descriptor) {
    throw new Error(`unknown dataset "${name}" (known: ${Object.keys(DATASETS).join(', ')})`);
  }
  return descriptor;
}

export function checkSite(dataset: DatasetDescriptor, site: string): void {
  if (!dataset.sites.includes(site)) {
    throw new Error(`unknown site "${site}" for dataset ${dataset.name} (sites: ${dataset.sites.join(', ')})`);
  }
}

/**
 * A site the coordinator accepts for a clinic: one of the dataset's sites, or a shard of one,
 * `<site>.<k>` with k a whole number from 1 (part of a site's records held by a clinic of its own,
 * as when a federation splits sites into more clinics). Each name is held by one clinic.
 */
export function checkSiteOrShard(dataset: DatasetDescriptor, site: string): void {
  const shard = /^(.+)\.([1-9][0-9]{0,5})$/.exec(site);
  if (shard && dataset.sites.includes(shard[1]!)) return;
  if (!dataset.sites.includes(site)) {
    throw new Error(`unknown site "${site}" for dataset ${dataset.name} (sites: ${dataset.sites.join(', ')}, or a shard such as ${dataset.sites[0]}.2)`);
  }
}
