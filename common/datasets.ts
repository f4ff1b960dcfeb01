import { FED_HEART_DISEASE_SCHEMA } from './fed-heart-disease-schema.js';
import { isSchemaDatasetId, schemaDescriptor } from './schema/schema-dataset.js';
import { parseStudySchema, schemaFeatureOrder, type StudySchema } from './schema/study-schema.js';

/**
 * What the coordinator knows of a dataset: its name, sites and feature count. Never the records,
 * which only clinic nodes load (clinic-node/data).
 */
export interface DatasetDescriptor {
  name: string;
  /**
   * What the model predicts: `binary` (a class, scored by accuracy), `multiclass` (one of K classes, a
   * softmax over `outputDim` = K outputs, scored by accuracy), `regression` (a number, a linear model scored by the
   * root mean squared error) or `survival` (time to an event, scored by Harrell's C).
   */
  task: Task;
  /** Site names in the dataset's natural split, in FLamby's centre order. */
  sites: readonly string[];
  /** Features per record after preprocessing. */
  inputDim: number;
  /** Output units of the model: 1 (a sigmoid, or a Cox model's log relative hazard), or K > 1 for a softmax over K classes. */
  outputDim: number;
  /** What a study on this dataset trains with unless it says otherwise (its benchmark protocol's values). */
  defaults?: DatasetDefaults;
  /** The features' names in model order (model cards, Cox coefficient tables). */
  features: readonly string[];
  /** A multiclass dataset's classes, in output order (model cards, predictions). */
  classes?: readonly string[];
  /** How the loader prepares the features, in a sentence or two (model cards). */
  preprocessing: string;
  /**
   * A survival dataset's treatment: a feature coded 0 for the control arm and 1 for the treated one,
   * with the arms' names. `cohort predict` gives each patient's risk under both (absolute risks).
   */
  treatment?: { feature: string; levels: [control: string, treated: string] };
  /** The unit of a survival dataset's follow-up times (model cards, time grids, prediction horizons). */
  timeUnit?: string;
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
  /** A cox-newton study's time grid for the baseline hazard: every `step` up to `end`, in the dataset's time unit. */
  timeGrid?: { step: number; end: number };
  /** The horizon `cohort predict` gives absolute risks at unless told (`--horizon`), in the dataset's time unit. */
  horizon?: number;
  /**
   * Where only the mean of the updates is known (privacy he, secagg) and the study names no strategy:
   * the mean-only strategy and client learning rate that suit the dataset (the general default there
   * is FedAdam with Fed-Heart-Disease's settings).
   */
  hiddenUpdates?: { strategy: { readonly name: string; readonly [setting: string]: string | number }; learningRate: number };
}

export type Task = 'binary' | 'multiclass' | 'regression' | 'survival';

export const DATASETS: Readonly<Record<string, DatasetDescriptor>> = {
  'fed-heart-disease': {
    name: 'fed-heart-disease',
    task: 'binary',
    sites: ['cleveland', 'hungarian', 'switzerland', 'va'],
    inputDim: 13,
    outputDim: 1,
    // Its study schema's encoded columns: age, sex=male, ..., cp=2, cp=3, cp=4, restecg=1, restecg=2.
    features: schemaFeatureOrder(parseStudySchema(FED_HEART_DISEASE_SCHEMA)),
    preprocessing:
      "FLamby's, read through the dataset's study schema: slope, ca and thal dropped, then records with a missing value (each reported); cp and restecg one-hot without their first level; each site z-normalises with its own training mean and standard deviation (ddof 1), which stay at the clinic.",
  },
  'fed-tcga-brca': {
    name: 'fed-tcga-brca',
    task: 'survival',
    // FLamby's six regions, in its client order.
    sites: ['northeast', 'south', 'west', 'midwest', 'europe', 'canada'],
    inputDim: 39,
    outputDim: 1,
    features: [
      'age_at_index',
      'ethnicity_not hispanic or latino',
      'ethnicity_not reported',
      'race_asian',
      'race_black or african american',
      'race_not reported',
      'race_white',
      'ajcc_pathologic_m_MX',
      'ajcc_pathologic_n_N0 (i-)',
      'ajcc_pathologic_n_N1',
      'ajcc_pathologic_n_N1a',
      'ajcc_pathologic_n_N2',
      'ajcc_pathologic_n_N2a',
      'ajcc_pathologic_stage_Stage IA',
      'ajcc_pathologic_stage_Stage IIA',
      'ajcc_pathologic_stage_Stage IIB',
      'ajcc_pathologic_stage_Stage IIIA',
      'ajcc_pathologic_stage_Stage IIIC',
      'ajcc_pathologic_t_T1c',
      'ajcc_pathologic_t_T2',
      'ajcc_pathologic_t_T3',
      'ajcc_staging_system_edition_5th',
      'ajcc_staging_system_edition_6th',
      'ajcc_staging_system_edition_7th',
      'icd_10_code_C50.9',
      'morphology_8500/3',
      'morphology_8520/3',
      'primary_diagnosis_Infiltrating duct carcinoma, NOS',
      'primary_diagnosis_Lobular carcinoma, NOS',
      'prior_malignancy_yes',
      'synchronous_malignancy_Not Reported',
      'treatment_or_therapy_not reported',
      'treatment_or_therapy_yes',
      'tumor_stage_stage i',
      'tumor_stage_stage ia',
      'tumor_stage_stage iia',
      'tumor_stage_stage iib',
      'tumor_stage_stage iiia',
      'tumor_stage_stage iiic',
    ],
    preprocessing: "FLamby's brca.csv covariates as given (age in years, the rest one-hot), not normalised; FLamby's train/test split per region.",
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
    features: ['tment', 'alb', 'log2bili'],
    preprocessing: 'Complete cases of treatment (0 placebo, 1 cyclosporin A), albumin (g/l) and bilirubin (µmol/l, as log2); event = transplant or death.',
    treatment: { feature: 'tment', levels: ['placebo', 'cyclosporin A'] },
    timeUnit: 'days',
    // A month's grid (365.25 / 12 days) to 6 years, past the last follow-up (2146 days): 72 times.
    // Absolute risks at 5 years unless asked otherwise.
    defaults: {
      architecture: 'cox-newton',
      strategy: { name: 'newton-raphson' },
      rounds: 8,
      timeGrid: { step: 365.25 / 12, end: 6 * 365.25 },
      horizon: 5 * 365.25,
    },
  },
};

/** The model architecture a study on a dataset of `task` gets when it names none. */
export function defaultArchitecture(task: Task): 'logistic-regression' | 'cox-linear' | 'linear-regression' {
  if (task === 'regression') return 'linear-regression';
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

const SITE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The site check for any dataset: a built-in one's sites or shards (checkSiteOrShard), and for a
 * consortium's own dataset (`<name>@<fingerprint>`, common/schema) any well-formed site name, since
 * its sites are whoever the operator enrols.
 */
export function checkDatasetSite(dataset: string, site: string): void {
  if (isSchemaDatasetId(dataset)) checkSiteName(site);
  else checkSiteOrShard(datasetDescriptor(dataset), site);
}

/** A site of a consortium's own dataset: 1-64 letters, digits, '.', '_' or '-'. */
export function checkSiteName(site: string): void {
  if (!SITE_NAME.test(site)) throw new Error(`site "${site}" must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
}

/** What a study's dataset is: its own schema's descriptor when it has one, else the built-in dataset's. */
export function studyDataset(study: { dataset: string; schema?: StudySchema | null; preprocessing?: string | null }): DatasetDescriptor {
  if (!study.schema) return datasetDescriptor(study.dataset);
  return schemaDescriptor(study.dataset, study.schema, study.preprocessing === 'site' ? 'site' : 'federated');
}
