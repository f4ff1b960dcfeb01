/**
 * What the coordinator knows of a dataset: its name, sites and feature count. Never the records,
 * which only clinic nodes load (clinic-node/data).
 */
export interface DatasetDescriptor {
  name: string;
  /** Site names in the dataset's natural split, in FLamby's centre order. */
  sites: readonly string[];
  /** Features per record after preprocessing. */
  inputDim: number;
  /** Output units of the model. */
  outputDim: number;
}

export const DATASETS: Readonly<Record<string, DatasetDescriptor>> = {
  'fed-heart-disease': {
    name: 'fed-heart-disease',
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
