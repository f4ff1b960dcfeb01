import { datasetDescriptor } from '../common/datasets.js';
import { initialParameters, modelSpec, type Architecture } from '../common/model-spec.js';
import { deriveSeed } from '../common/random.js';
import { loadAllSites, loadPooled } from '../clinic-node/data/fed-heart-disease.js';
import type { DataOptions } from '../clinic-node/data/dataset.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { evaluate, train, type TrainingOptions } from '../clinic-node/training/local-training.js';
import type { RunReport, SiteResult } from './simulate.js';

export interface BaselineOptions {
  seed: number;
  architecture?: Architecture;
  hiddenUnits?: number[];
  dataDir?: string;
  onProgress?: (line: string) => void;
}

/** A classification baseline: every site scored by accuracy. */
export interface BaselineReport extends RunReport {
  baseline: 'pooled' | 'local';
  sites: (SiteResult & { accuracy: number })[];
  mean_site_accuracy: number;
  pooled_accuracy: number;
  /** Local baseline: `cross_site[i][j]` is site i's model on site j's test set. */
  cross_site?: number[][];
}

/** FLamby's centralised optimiser for Fed-Heart-Disease: Adam, lr 1e-3, batch 4, 50 epochs. */
const FLAMBY_CENTRAL: Omit<TrainingOptions, 'seed'> = { optimizer: 'adam', learningRate: 1e-3, batchSize: 4, epochs: 50 };

/**
 * FLamby's baselines on Fed-Heart-Disease. `pooled`: one model on all training data (pooled
 * statistics); sites are scored on their own test sets normalised with their own statistics, and
 * the pooled test set with pooled statistics, as FLamby does. `local`: one model per site on its
 * own data only; each site is scored with its own model.
 */
export async function runBaseline(kind: 'pooled' | 'local', options: BaselineOptions): Promise<BaselineReport> {
  const started = Date.now();
  const backend = await selectBackend();
  const descriptor = datasetDescriptor('fed-heart-disease');
  const spec = modelSpec(options.architecture ?? 'logistic-regression', descriptor.inputDim, options.hiddenUnits ?? [], descriptor.outputDim);
  const data: DataOptions = { dataDir: options.dataDir };
  const sites = await loadAllSites(data);
  const init = initialParameters(spec, options.seed);
  const progress = options.onProgress ?? (() => undefined);

  let siteAccuracy: number[];
  let pooledAccuracy: number;
  let crossSite: number[][] | undefined;
  if (kind === 'pooled') {
    const pooled = await loadPooled(data);
    progress(`pooled baseline: ${pooled.train.count} training records, ${FLAMBY_CENTRAL.epochs} epochs of Adam`);
    const { parameters } = train(spec, init, pooled.train, { ...FLAMBY_CENTRAL, seed: deriveSeed(options.seed, 'pooled') });
    siteAccuracy = sites.map((s) => evaluate(spec, parameters, s.test).accuracy);
    pooledAccuracy = evaluate(spec, parameters, pooled.test).accuracy;
  } else {
    crossSite = sites.map((own) => {
      progress(`local baseline: ${own.site}, ${own.train.count} training records`);
      const { parameters } = train(spec, init, own.train, { ...FLAMBY_CENTRAL, seed: deriveSeed(options.seed, 'local', own.site) });
      return sites.map((other) => evaluate(spec, parameters, other.test).accuracy);
    });
    siteAccuracy = sites.map((_, i) => crossSite![i]![i]!);
    const tested = sites.reduce((n, s) => n + s.test.count, 0);
    pooledAccuracy = sites.reduce((n, s, i) => n + siteAccuracy[i]! * s.test.count, 0) / tested;
  }
  const mean = siteAccuracy.reduce((a, b) => a + b, 0) / siteAccuracy.length;
  return {
    dataset: descriptor.name,
    baseline: kind,
    strategy: `${kind}-baseline`,
    privacy: 'none',
    seed: options.seed,
    transport: 'none',
    backend,
    model: spec.architecture,
    sites: sites.map((s, i) => ({ site: s.site, n_train: s.train.count, n_test: s.test.count, accuracy: siteAccuracy[i]! })),
    metric: 'accuracy',
    mean_site_metric: mean,
    pooled_metric: pooledAccuracy,
    mean_site_accuracy: mean,
    pooled_accuracy: pooledAccuracy,
    ...(crossSite ? { cross_site: crossSite } : {}),
    elapsed_s: (Date.now() - started) / 1000,
  };
}
