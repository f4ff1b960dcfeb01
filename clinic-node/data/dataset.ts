import type { SurvivalRecords } from '../../survival/index.js';

/** Records in memory as the trainer wants them: one row-major float32 matrix and one label vector. */
export interface Examples {
  /** `count x features`, row-major. */
  x: Float32Array;
  /** Binary labels, 0 or 1; multiclass labels, the class index 0..K-1; regression targets, the value. */
  y: Float32Array;
  count: number;
  features: number;
}

/** One clinic's data for a classification task, split and normalised. */
export interface SiteDataset {
  dataset: string;
  site: string;
  /** Absent: binary. */
  task?: 'binary' | 'multiclass' | 'regression';
  train: Examples;
  test: Examples;
}

/** One clinic's data for a survival task: covariates, follow-up times and events, split. */
export interface SurvivalSiteDataset {
  dataset: string;
  site: string;
  task: 'survival';
  train: SurvivalRecords;
  test: SurvivalRecords;
}

/** A clinic's data for any task. */
export type AnySiteDataset = SiteDataset | SurvivalSiteDataset;

export function isSurvival(data: AnySiteDataset): data is SurvivalSiteDataset {
  return data.task === 'survival';
}

/** Where data comes from. */
export interface DataOptions {
  /** A directory holding the dataset's files (or a `<dataset folder>/` inside it). Default: env COHORT_DATA_DIR. */
  dataDir?: string;
  /** Download cache when no data directory is given. Default: env COHORT_CACHE_DIR, else ~/.cache/cohort. */
  cacheDir?: string;
  /** fetch implementation for downloads (tests inject one). Default: global fetch. */
  fetch?: typeof fetch;
  /** Progress lines: downloads, and the records a loader leaves out with why (Fed-Heart-Disease). */
  onProgress?: (message: string) => void;
}

export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
