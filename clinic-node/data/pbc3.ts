import type { SurvivalRecords } from '../../survival/index.js';
import { checkSite, datasetDescriptor } from '../../common/datasets.js';
import { DataError, type DataOptions, type SurvivalSiteDataset } from './dataset.js';
import { readVerifiedFiles, type FileSet } from './verified-files.js';

/**
 * PBC3 (Lombard et al. 1993): a randomised trial of cyclosporin A against placebo in primary
 * biliary cirrhosis at six hospitals, one clinic each. The outcome is the composite of liver
 * transplant or death (`status` 1 or 2), time in days; covariates are the classic adjusted model's:
 * treatment, albumin (g/l) and log2 bilirubin (µmol/l). Records missing any of them are left out
 * (complete cases, as R's `coxph` does), so 343 of 349 patients remain.
 */
export const FILES: FileSet = {
  folder: 'pbc3',
  // The CRAN package pec ships the file (Debian: r-cran-pec); this is its CRAN mirror, pinned.
  baseUrl: 'https://raw.githubusercontent.com/cran/pec/9b41f6fae0606ede66553eca7bec59645470512c/data/',
  md5: { 'Pbc3.csv': '5243afb7fadcadf6b6881b63b3abdbf3' },
};

export const DESCRIPTOR = datasetDescriptor('pbc3');

/** Hospitals by the file's `unit` code, in its order. */
export const SITES = DESCRIPTOR.sites;

export const COVARIATES = DESCRIPTOR.features;

/** One hospital's complete cases. */
export interface Pbc3Site {
  site: string;
  records: SurvivalRecords;
  /** `ptno` of each record, in record order. */
  patients: number[];
  /** Records left out for a missing value. */
  incomplete: number;
}

const COLUMNS = ['ptno', 'unit', 'tment', 'alb', 'bili', 'days', 'status'] as const;

interface Row {
  unit: number;
  patient: number;
  /** Treatment, albumin, log2 bilirubin; null when any is missing. */
  covariates: [number, number, number] | null;
  days: number;
  event: 0 | 1;
}

/** Parses the file; a malformed row is an error naming its line and column. */
export function parsePbc3(text: string): Row[] {
  const [header, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const names = header!.split(';');
  const at = Object.fromEntries(
    COLUMNS.map((column) => {
      const index = names.indexOf(column);
      if (index < 0) throw new DataError(`Pbc3.csv: no column "${column}" in the header`);
      return [column, index];
    }),
  ) as Record<(typeof COLUMNS)[number], number>;
  return lines.map((line, index) => {
    const cells = line.split(';');
    const value = (column: (typeof COLUMNS)[number]): number | null => {
      const cell = cells[at[column]]!;
      if (cell === 'NA') return null;
      const number = Number(cell);
      if (cell === '' || !Number.isFinite(number)) throw new DataError(`Pbc3.csv line ${index + 2}, column ${column}: "${cell}" is not a number`);
      return number;
    };
    const [patient, unit, tment, alb, bili, days, status] = COLUMNS.map(value);
    if (patient === null || unit === null || days === null || status === null)
      throw new DataError(`Pbc3.csv line ${index + 2}: patient, unit, days or status missing`);
    if (!(unit >= 1 && unit <= SITES.length)) throw new DataError(`Pbc3.csv line ${index + 2}, column unit: ${unit} is not a hospital code 1-${SITES.length}`);
    if (!(days > 0)) throw new DataError(`Pbc3.csv line ${index + 2}, column days: ${days} is not a positive follow-up time`);
    const complete = tment !== null && alb !== null && bili !== null;
    return { unit, patient, covariates: complete ? [tment, alb, Math.log2(bili)] : null, days, event: status > 0 ? 1 : 0 };
  });
}

function toSite(site: string, rows: Row[], incomplete: number): Pbc3Site {
  const p = COVARIATES.length;
  const x = new Float64Array(rows.length * p);
  rows.forEach((row, i) => row.covariates!.forEach((v, j) => (x[i * p + j] = v)));
  return {
    site,
    records: { x, time: Float64Array.from(rows, (r) => r.days), event: Uint8Array.from(rows, (r) => r.event), count: rows.length, covariates: p },
    patients: rows.map((r) => r.patient),
    incomplete,
  };
}

/** Every hospital's complete cases, in `unit` order. */
export async function loadPbc3Sites(options: DataOptions = {}): Promise<Pbc3Site[]> {
  const files = await readVerifiedFiles(FILES, options);
  const rows = parsePbc3(files.get('Pbc3.csv')!.toString('utf8'));
  return SITES.map((site, index) => {
    const own = rows.filter((row) => row.unit === index + 1);
    const complete = own.filter((row) => row.covariates !== null);
    return toSite(site, complete, own.length - complete.length);
  });
}

/** One hospital as a clinic serves it: its complete cases, fitted on and scored on (in-sample). */
export async function loadSite(site: string, options: DataOptions = {}): Promise<SurvivalSiteDataset> {
  checkSite(DESCRIPTOR, site);
  const { records } = (await loadPbc3Sites(options)).find((s) => s.site === site)!;
  return { dataset: DESCRIPTOR.name, site, task: 'survival', train: records, test: records };
}
