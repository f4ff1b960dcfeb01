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
};

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
