/**
 * Clinic-side data: loaders that read a local directory or download from upstream, verify every file
 * against its checksum, and preprocess exactly as the dataset's benchmark protocol says.
 *
 * @example
 * const cleveland = await loadSiteDataset('fed-heart-disease', 'cleveland', { dataDir: '../shared/data' });
 * cleveland.train.count; // 199
 */
import { datasetDescriptor } from '../../common/datasets.js';
import type { DataOptions, SiteDataset } from './dataset.js';
import * as fedHeartDisease from './fed-heart-disease.js';

export { DataError, type DataOptions, type Examples, type SiteDataset } from './dataset.js';

const LOADERS: Record<string, (site: string, options: DataOptions) => Promise<SiteDataset>> = {
  'fed-heart-disease': fedHeartDisease.loadSite,
};

export function loadSiteDataset(dataset: string, site: string, options: DataOptions = {}): Promise<SiteDataset> {
  const load = LOADERS[datasetDescriptor(dataset).name];
  if (!load) throw new Error(`no loader for dataset ${dataset}`);
  return load(site, options);
}
