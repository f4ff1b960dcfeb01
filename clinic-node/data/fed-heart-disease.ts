import { checkSite, datasetDescriptor } from '../../common/datasets.js';
import { FED_HEART_DISEASE_SCHEMA, UCI_HEART_COLUMNS, UCI_HEART_MAPPING } from '../../common/fed-heart-disease-schema.js';
import { CsvSyntaxError, formatProblems, parseCsv, parseMapping, parseStudySchema, readTable, type Exclusion } from '../../common/schema/index.js';
import { DataError, type DataOptions, type Examples, type SiteDataset } from './dataset.js';
import { FLAMBY_TEST_LINES } from './fed-heart-disease-split.js';
import { readVerifiedFiles, type FileSet } from './verified-files.js';

/**
 * Fed-Heart-Disease (UCI heart disease, four hospitals) preprocessed exactly as FLamby does, read
 * through its study schema (common/fed-heart-disease-schema.ts) as a consortium's own CSV is: slope,
 * ca and thal not read; records with a missing value left out, each reported with the reason;
 * label = num > 0; cp and restecg one-hot without their first level; FLamby's train/test split;
 * z-normalisation with each site's training statistics only.
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

const SCHEMA = parseStudySchema(FED_HEART_DISEASE_SCHEMA);
const MAPPING = parseMapping(UCI_HEART_MAPPING, SCHEMA);
/** Where each mapped column sits in a UCI record. */
const MAPPED_CELLS = [...MAPPING.columns].map(([name, local]) => ({ name, index: UCI_HEART_COLUMNS.indexOf(local) }));

export const DROPPED_REASON = "a missing value, dropped by FLamby's protocol";

/**
 * The records FLamby drops: those with a missing value in a column the schema reads (slope, ca and
 * thal are not read, so theirs do not count). They become the mapping's exclusions, with the
 * columns and the reason, so readTable reports them rather than refusing the file.
 */
function missingValueExclusions(text: string): Exclusion[] {
  let records;
  try {
    records = parseCsv(text, MAPPING.delimiter);
  } catch (error) {
    if (error instanceof CsvSyntaxError) return []; // readTable reports it
    throw error;
  }
  return records.flatMap(({ line, cells }) => {
    const missing = MAPPED_CELLS.filter(({ index }) => MAPPING.missing.includes(cells[index]?.trim() ?? '')).map((c) => c.name);
    return missing.length > 0 ? [{ line, reason: `${DROPPED_REASON} (${missing.join(', ')})` }] : [];
  });
}

/**
 * Reads one UCI site file through the study schema: the kept records with their 1-based line
 * numbers, and the ones left out with why. A record that breaks the schema refuses the file.
 */
export function readSiteFile(text: string, file: string): { rows: Row[]; excluded: Exclusion[] } {
  const table = readTable(text, file, SCHEMA, { ...MAPPING, exclude: missingValueExclusions(text) }, { header: UCI_HEART_COLUMNS });
  if (!table.ok) throw new DataError(`${file} does not read as the Fed-Heart-Disease schema:\n${formatProblems(table.problems)}`);
  return { rows: table.rows.map((r) => ({ line: r.line, features: r.x, label: r.target as number })), excluded: table.excluded };
}

function splitSite(rows: Row[], site: string): RawSite {
  const testLines = new Set(FLAMBY_TEST_LINES[site]);
  const kept = new Set(rows.map((r) => r.line));
  const stray = [...testLines].filter((line) => !kept.has(line));
  if (stray.length > 0) throw new DataError(`${site}: the split names test lines ${stray.join(', ')}, which are not kept records (wrong file version?)`);
  return { site, train: rows.filter((r) => !testLines.has(r.line)), test: rows.filter((r) => testLines.has(r.line)) };
}

/** The sites' records, split; every file is verified, only the sites' own are read (and their left-out records reported). */
async function loadRaw(options: DataOptions, sites: readonly string[] = DESCRIPTOR.sites): Promise<RawSite[]> {
  const files = await readVerifiedFiles(FILES, options);
  return sites.map((site) => {
    const file = `processed.${site}.data`;
    const { rows, excluded } = readSiteFile(files.get(file)!.toString('utf8'), file);
    options.onProgress?.(`${file}: ${rows.length} records kept, ${excluded.length} left out for ${DROPPED_REASON}${lineList(excluded)}`);
    return splitSite(rows, site);
  });
}

function lineList(excluded: Exclusion[]): string {
  return excluded.length === 0 ? '' : ` (lines ${excluded.map((e) => e.line).join(', ')})`;
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
  const [raw] = (await loadRaw(options, [site])) as [RawSite];
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
