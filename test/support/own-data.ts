import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTableSite, type TableSite, type TableSource } from '../../clinic-node/data/table-site.js';
import { Keystore } from '../../clinic-node/keys/index.js';
import { runNode, type NodeSummary } from '../../clinic-node/node-agent.js';
import { parseStudyConfig, type RunningCoordinator } from '../../coordinator/index.js';
import type { StudyConfig } from '../../coordinator/config/study-config.js';
import { DATA_DIR } from './data-dir.js';

/*
 * PBC3's six hospitals as a consortium's own data: each hospital's records of Pbc3.csv as a CSV
 * export of its own (London's with its own column names and commas), a mapping per hospital onto
 * one study schema, and a way to run a study of any task on some of them.
 */

export const HOSPITALS = ['hvidovre', 'london', 'copenhagen', 'barcelona', 'munich', 'lyon'];

/** A survival study of the trial: time to transplant or death, with the arm and a sex subgroup. */
export const SCHEMA = {
  task: 'survival',
  features: [
    { name: 'age', type: 'number', unit: 'years', range: [18, 100] },
    { name: 'albumin', type: 'number', unit: 'g/l', range: [0, 100], missing: 'impute-mean' },
    { name: 'bilirubin', type: 'number', unit: 'µmol/l', range: [0, 1000] },
  ],
  target: { time: 'days', event: 'status', eventCodes: [1, 2] },
  treatment: { column: 'arm', levels: ['placebo', 'cyclosporin'] },
  // Sex as PBC3 codes it; a level with fewer than 10 test records at a site is never reported.
  subgroups: [{ name: 'sex', levels: ['0', '1'] }],
};
const PBC3_COLUMNS = { sex: 'sex', age: 'age', albumin: 'alb', bilirubin: 'bili', days: 'days', status: 'status', arm: 'tment' };
const ARM_CODES = { arm: { '0': 'placebo', '1': 'cyclosporin' } };

/** Hospital `unit`'s records of Pbc3.csv, with its mapping onto SCHEMA (written to DIR/schema.json by the caller). */
export function writeHospital(dir: string, unit: number): TableSource {
  const [header, ...lines] = readFileSync(join(DATA_DIR, 'pbc3', 'Pbc3.csv'), 'utf8')
    .trim()
    .split('\n');
  const rows = lines.filter((line) => line.split(';')[1] === String(unit));
  const london = HOSPITALS[unit - 1] === 'london';
  const renamed = london ? header!.replace('alb', 'Albumin').replace('bili', 'Bilirubin').replace('tment', 'Arm') : header!;
  const dataFile = join(dir, `${HOSPITALS[unit - 1]}.csv`);
  writeFileSync(dataFile, [renamed, ...rows].map((line) => (london ? line.replaceAll(';', ',') : line)).join('\n') + '\n');
  const columns = london ? { ...PBC3_COLUMNS, albumin: 'Albumin', bilirubin: 'Bilirubin', arm: 'Arm' } : PBC3_COLUMNS;
  const mappingFile = join(dir, `${HOSPITALS[unit - 1]}-mapping.json`);
  writeFileSync(mappingFile, JSON.stringify({ columns, codes: ARM_CODES, delimiter: london ? ',' : ';' }));
  return { schemaFile: join(dir, 'schema.json'), dataFile, mappingFile, testFraction: 0 };
}

/** A study of another task on the same files: its schema, and how each hospital's survival mapping changes for it. */
export interface TaskVariant {
  /** The dataset name, also naming the variant's files and clinics. */
  name: string;
  schema: Record<string, unknown>;
  /** Each hospital's mapping for the variant, from its survival mapping. */
  mapping: (survival: { columns: Record<string, string>; codes: Record<string, Record<string, string>> }) => unknown;
  testFraction?: number;
  /** Study settings beside dataset, schema and minClinics. */
  study: Record<string, unknown>;
}

export interface VariantRun {
  config: StudyConfig;
  studyId: string;
  sources: TableSource[];
  tables: TableSite[];
  summaries: NodeSummary[];
}

/** Runs `variant` to its end on `hospitals`' files (from writeHospital), each a clinic of its own, enrolled and approved as it reads. */
export async function runVariant(coordinator: RunningCoordinator, dir: string, hospitals: readonly string[], variant: TaskVariant): Promise<VariantRun> {
  const schemaFile = join(dir, `${variant.name}-schema.json`);
  writeFileSync(schemaFile, JSON.stringify(variant.schema));
  const sources = hospitals.map((site): TableSource => {
    const survival = writeHospital(dir, HOSPITALS.indexOf(site) + 1);
    const mappingFile = join(dir, `${site}-${variant.name}-mapping.json`);
    writeFileSync(mappingFile, JSON.stringify(variant.mapping(JSON.parse(readFileSync(survival.mappingFile, 'utf8')))));
    return { ...survival, schemaFile, mappingFile, testFraction: variant.testFraction ?? 0.2 };
  });
  const tables = await Promise.all(sources.map((source, i) => loadTableSite(source, hospitals[i]!)));
  const config = parseStudyConfig({ dataset: variant.name, schema: variant.schema, minClinics: hospitals.length, ...variant.study });
  const study = await coordinator.federation.createStudy(config);
  const summaries = await Promise.all(
    hospitals.map(async (site, i) => {
      const keystore = Keystore.create(join(dir, 'keys', `${site}-${variant.name}`), `${site}-${variant.name}`);
      await coordinator.keys.enrol(keystore.card);
      const { train, test } = tables[i]!;
      await coordinator.approvals.approve(keystore.clinicId, { dataset: study.dataset, site, numTrain: train.length, numTest: test.length });
      const credentials = grpcCredentials.createInsecure();
      return runNode({ coordinator: coordinator.grpcAddress, dataset: variant.name, site, table: sources[i]!, keystore, credentials, exitWhenDone: true });
    }),
  );
  return { config, studyId: study.id, sources, tables, summaries };
}
