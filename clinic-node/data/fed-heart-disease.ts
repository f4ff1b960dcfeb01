import { checkSite, datasetDescriptor } from '../../common/datasets.js';
import { DataError, type DataOptions, type Examples, type SiteDataset } from './dataset.js';
import { FLAMBY_TEST_LINES } from './fed-heart-disease-split.js';
import { readVerifiedFiles, type FileSet } from './verified-files.js';

/**
 * Fed-Heart-Disease (UCI heart disease, four hospitals) preprocessed exactly as FLamby does:
 * drop slope, ca and thal; drop rows with a missing value; label = num > 0; one-hot cp and restecg
 * dropping the first level; FLamby's train/test split; z-normalisation with train statistics only.
 */
export const DESCRIPTOR = datasetDescriptor('fed-heart-disease');

export const FILES: FileSet = {
  folder: 'uci-heart-disease',
  baseUrl: 'https://archive.ics.uci.edu/ml/machine-learning-databases/heart-disease/',
  md5: {
    'processed.cleveland.data': '2d91a8ff69cfd9616aa47b59d6f843db',
    'processed.hungarian.data': '22e96bee155b5973568101c93b3705f6',
    'processed.switzerland.data': '9a87f7577310b3917730d06ba9349e20',
    'processed.va.data': '4249d03ca7711e84f4444768c9426170',
  },
};

export const FEATURES = DESCRIPTOR.features;

/** A kept record before normalisation. */
interface Row {
  line: number;
  features: number[];
  label: number;
}

interface RawSite {
  site: string;
  train: Row[];
  test: Row[];
}

/** Parses one site file; returns the kept rows with their 1-based line numbers. */
export function parseSiteFile(text: string, site: string): Row[] {
  const rows: Row[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const cells = line.trim().split(',');
    if (cells.length !== 14) throw new DataError(`${site} line ${index + 1}: expected 14 comma-separated values, got ${cells.length}`);
    // Columns 10-12 (slope, ca, thal) are dropped before looking for missing values.
    const kept = [...cells.slice(0, 10), cells[13]!];
    if (kept.some((c) => c === '?')) return;
    const v = kept.map((c) => {
      const n = Number(c);
      if (c === '' || !Number.isFinite(n)) throw new DataError(`${site} line ${index + 1}: "${c}" is not a number`);
      return n;
    });
    const [age, sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, num] = v as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    rows.push({
      line: index + 1,
      features: [age, sex, trestbps, chol, fbs, thalach, exang, oldpeak, +(cp === 2), +(cp === 3), +(cp === 4), +(restecg === 1), +(restecg === 2)],
      label: num > 0 ? 1 : 0,
    });
  });
  return rows;
}

function splitSite(rows: Row[], site: string): RawSite {
  const testLines = new Set(FLAMBY_TEST_LINES[site]);
  const kept = new Set(rows.map((r) => r.line));
  const stray = [...testLines].filter((line) => !kept.has(line));
  if (stray.length > 0) throw new DataError(`${site}: the split names test lines ${stray.join(', ')}, which are not kept records (wrong file version?)`);
  return { site, train: rows.filter((r) => !testLines.has(r.line)), test: rows.filter((r) => testLines.has(r.line)) };
}

async function loadRaw(options: DataOptions): Promise<RawSite[]> {
  const files = await readVerifiedFiles(FILES, options);
  return DESCRIPTOR.sites.map((site) => splitSite(parseSiteFile(files.get(`processed.${site}.data`)!.toString('utf8'), site), site));
}

/** Mean and sample standard deviation (ddof 1) per feature, as torch.std computes them. */
function stats(rows: Row[]): { mean: number[]; std: number[] } {
  const d = FEATURES.length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r.features[j]!, 0) / rows.length);
  const std = mean.map((m, j) => Math.sqrt(rows.reduce((s, r) => s + (r.features[j]! - m) ** 2, 0) / (rows.length - 1)));
  return { mean, std };
}

function toExamples(rows: Row[], { mean, std }: { mean: number[]; std: number[] }): Examples {
  const d = FEATURES.length;
  const x = new Float32Array(rows.length * d);
  rows.forEach((r, i) => r.features.forEach((v, j) => (x[i * d + j] = (v - mean[j]!) / (std[j]! + 1e-9))));
  return { x, y: Float32Array.from(rows, (r) => r.label), count: rows.length, features: d };
}

/** One site, train and test normalised with that site's own train statistics. */
export async function loadSite(site: string, options: DataOptions = {}): Promise<SiteDataset> {
  checkSite(DESCRIPTOR, site);
  const raw = (await loadRaw(options)).find((r) => r.site === site)!;
  const siteStats = stats(raw.train);
  return { dataset: DESCRIPTOR.name, site, train: toExamples(raw.train, siteStats), test: toExamples(raw.test, siteStats) };
}

/** Every site, each normalised with its own train statistics. */
export async function loadAllSites(options: DataOptions = {}): Promise<SiteDataset[]> {
  return (await loadRaw(options)).map((raw) => {
    const siteStats = stats(raw.train);
    return { dataset: DESCRIPTOR.name, site: raw.site, train: toExamples(raw.train, siteStats), test: toExamples(raw.test, siteStats) };
  });
}

/** All sites pooled, train and test normalised with pooled train statistics (FLamby's pooled mode). */
export async function loadPooled(options: DataOptions = {}): Promise<{ train: Examples; test: Examples }> {
  const raw = await loadRaw(options);
  const train = raw.flatMap((r) => r.train);
  const pooledStats = stats(train);
  return {
    train: toExamples(train, pooledStats),
    test: toExamples(
      raw.flatMap((r) => r.test),
      pooledStats,
    ),
  };
}
