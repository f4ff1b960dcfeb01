/**
 * Clinic-side data: loaders that read a local directory or download from upstream, verify every file
 * against its checksum, and preprocess exactly as the dataset's benchmark protocol says.
 *
 * @example
 * const cleveland = await loadSiteDataset('fed-heart-disease', 'cleveland', { dataDir: '../shared/data' });
 * cleveland.train.count; // 199
 */
import { datasetDescriptor } from '../../common/datasets.js';
import type { AnySiteDataset, DataOptions, SiteDataset } from './dataset.js';
import * as fedHeartDisease from './fed-heart-disease.js';
import * as fedTcgaBrca from './fed-tcga-brca.js';
import * as pbc3 from './pbc3.js';

export { DataError, isSurvival, type AnySiteDataset, type DataOptions, type Examples, type SiteDataset, type SurvivalSiteDataset } from './dataset.js';

const LOADERS: Record<string, (site: string, options: DataOptions) => Promise<AnySiteDataset>> = {
  'fed-heart-disease': fedHeartDisease.loadSite,
  'fed-tcga-brca': fedTcgaBrca.loadSite,
  pbc3: pbc3.loadSite,
};

/** A site's data for any task: what a clinic node trains on. */
export function loadClinicData(dataset: string, site: string, options: DataOptions = {}): Promise<AnySiteDataset> {
  const load = LOADERS[datasetDescriptor(dataset).name];
  if (!load) throw new Error(`no loader for dataset ${dataset}`);
  return load(site, options);
}

/** A classification dataset's site (the benchmark baselines and tests); a survival dataset is an error. */
export function loadSiteDataset(dataset: string, site: string, options: DataOptions = {}): Promise<SiteDataset> {
  if (datasetDescriptor(dataset).task !== 'binary')
    throw new Error(`dataset ${dataset} is a ${datasetDescriptor(dataset).task} dataset, not a classification one`);
  return loadClinicData(dataset, site, options) as Promise<SiteDataset>;
}
