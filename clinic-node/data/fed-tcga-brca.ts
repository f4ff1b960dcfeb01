import type { SurvivalRecords } from '../../survival/index.js';
import { checkSite, datasetDescriptor } from '../../common/datasets.js';
import { DataError, type DataOptions, type SurvivalSiteDataset } from './dataset.js';
import { readVerifiedFiles, type FileSet } from './verified-files.js';

/**
 * Fed-TCGA-BRCA (FLamby): breast cancer patients of The Cancer Genome Atlas, split into six
 * regions by the tissue source site, with 39 clinical covariates (age, one-hot stage, ethnicity,
 * race, ...) used as FLamby gives them, unnormalised, and overall survival in days. The split is
 * FLamby's `train_test_split.csv`: `fold2` = `train_k` / `test_k` for region k.
 */
const FLAMBY = 'https://raw.githubusercontent.com/owkin/FLamby';

export const FILES: FileSet = {
  folder: 'tcga-brca',
  baseUrl: `${FLAMBY}/57a7e5c8f2bc26929c239e217ed3a41d6252bd53/flamby/datasets/fed_tcga_brca/`,
  md5: { 'brca.csv': '989df4ddec084f749d9593146d7ba92f', 'train_test_split.csv': 'e648057e47463ee7763924d779cd7f2d' },
  urls: {
    'train_test_split.csv': `${FLAMBY}/1b37901a15c316d16d4b9d5705aaefa5a803dba3/flamby/datasets/fed_tcga_brca/dataset_creation_scripts/train_test_split.csv`,
  },
};

export const DESCRIPTOR = datasetDescriptor('fed-tcga-brca');

/** Regions in FLamby's client order (k = 0..5 in `fold2`). */
export const SITES = DESCRIPTOR.sites;

export const COVARIATE_COUNT = 39;

interface Patient {
  covariates: number[];
  event: number;
  time: number;
}

/** brca.csv by patient id: pid, the 39 covariates, E (event), T (days). */
export function parseBrca(text: string): Map<string, Patient> {
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const names = splitQuoted(header!);
  if (names.length !== COVARIATE_COUNT + 3 || names[0] !== 'pid' || names.at(-2) !== 'E' || names.at(-1) !== 'T') {
    throw new DataError(`brca.csv: expected the header pid, ${COVARIATE_COUNT} covariates, E, T; got ${names.length} columns`);
  }
  const patients = new Map<string, Patient>();
  lines.forEach((line, index) => {
    const [pid, ...cells] = line.split(',');
    const values = cells.map((cell, column) => {
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) throw new DataError(`brca.csv line ${index + 2}, column ${names[column + 1]}: "${cell}" is not a number`);
      return value;
    });
    if (values.length !== COVARIATE_COUNT + 2)
      throw new DataError(`brca.csv line ${index + 2}: expected ${COVARIATE_COUNT + 3} values, got ${values.length + 1}`);
    const time = values.at(-1)!;
    const event = values.at(-2)!;
    if (event !== 0 && event !== 1) throw new DataError(`brca.csv line ${index + 2}, column E: ${event} is not 0 or 1`);
    if (time < 0) throw new DataError(`brca.csv line ${index + 2}, column T: ${time} is a negative time`);
    patients.set(pid!, { covariates: values.slice(0, COVARIATE_COUNT), event, time });
  });
  return patients;
}

/** A CSV line's fields; the header quotes names that hold commas ("primary_diagnosis_Lobular carcinoma, NOS"). */
function splitQuoted(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map(([, field]) => field!.replace(/^"|"$/g, '').replaceAll('""', '"'));
}

function toRecords(patients: Patient[]): SurvivalRecords {
  const x = new Float64Array(patients.length * COVARIATE_COUNT);
  patients.forEach((patient, i) => x.set(patient.covariates, i * COVARIATE_COUNT));
  return {
    x,
    time: Float64Array.from(patients, (p) => p.time),
    event: Uint8Array.from(patients, (p) => p.event),
    count: patients.length,
    covariates: COVARIATE_COUNT,
  };
}

/** Every region, train and test, in FLamby's order (and, within a part, the split file's order). */
export async function loadTcgaBrcaSites(options: DataOptions = {}): Promise<SurvivalSiteDataset[]> {
  const files = await readVerifiedFiles(FILES, options);
  const patients = parseBrca(files.get('brca.csv')!.toString('utf8'));
  const parts = new Map<string, Patient[]>();
  const [, ...lines] = files.get('train_test_split.csv')!.toString('utf8').split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const [pid, , part] = line.split(',');
    const patient = patients.get(pid!);
    if (!patient) throw new DataError(`train_test_split.csv line ${index + 2}: patient ${pid} is not in brca.csv`);
    if (!/^(train|test)_[0-5]$/.test(part ?? '')) throw new DataError(`train_test_split.csv line ${index + 2}: "${part}" is not train_k or test_k with k 0-5`);
    if (!parts.has(part!)) parts.set(part!, []);
    parts.get(part!)!.push(patient);
  });
  return SITES.map((site, k) => ({
    dataset: DESCRIPTOR.name,
    site,
    task: 'survival',
    train: toRecords(parts.get(`train_${k}`) ?? []),
    test: toRecords(parts.get(`test_${k}`) ?? []),
  }));
}

/** One region, FLamby's train and test parts. */
export async function loadSite(site: string, options: DataOptions = {}): Promise<SurvivalSiteDataset> {
  checkSite(DESCRIPTOR, site);
  return (await loadTcgaBrcaSites(options)).find((s) => s.site === site)!;
}
