import { readFile } from 'node:fs/promises';
import { permutation, seededRandom } from '../../common/random.js';
import {
  encodedColumns,
  formatProblems,
  localStatistics,
  parseMapping,
  parseStudySchema,
  preprocessRows,
  readStatistics,
  readTableFile,
  SchemaError,
  type EncodedColumn,
  type Exclusion,
  type FeatureStatistics,
  type StudySchema,
  type SurvivalOutcome,
  type TableRow,
} from '../../common/schema/index.js';
import { DataError, type AnySiteDataset, type Examples } from './dataset.js';

/** Where a clinic's own data is: the study's schema, its CSV export, and its mapping onto the schema. */
export interface TableSource {
  /** The study schema file (JSON), as the consortium distributes it. */
  schemaFile: string;
  /** The clinic's CSV file. */
  dataFile: string;
  /** The clinic's mapping file (JSON) from its columns and codes to the schema. */
  mappingFile: string;
  /** Share of records held out for evaluation, 0 (evaluate on the training records) to 0.5. Default 0.2. */
  testFraction?: number;
}

/** A clinic's own table, read and checked, split, not yet imputed or normalised. */
export interface TableSite {
  schema: StudySchema;
  columns: EncodedColumn[];
  site: string;
  train: TableRow[];
  test: TableRow[];
  /** Records the mapping left out on purpose, with its reasons. */
  excluded: Exclusion[];
}

/** The same file always splits the same way, so a restarted node trains on the records it trained on before. */
const SPLIT_SEED = 0x5eed;

export const DEFAULT_TEST_FRACTION = 0.2;

/** The study schema from its file, every problem named. */
export async function readSchemaFile(path: string): Promise<StudySchema> {
  return parseJsonFile(path, 'study schema', (json) => parseStudySchema(json));
}

/**
 * Reads a clinic's CSV through its mapping. Any row that breaks the schema refuses the whole file:
 * the error lists every bad cell by file, line and column, and nothing is trained or sent until the
 * file is fixed or the mapping excludes the row (with a reason).
 */
export async function loadTableSite(source: TableSource, site: string): Promise<TableSite> {
  const testFraction = source.testFraction ?? DEFAULT_TEST_FRACTION;
  if (!(testFraction >= 0 && testFraction <= 0.5)) throw new DataError(`the test fraction must be from 0 to 0.5, got ${testFraction}`);
  const schema = await readSchemaFile(source.schemaFile);
  const mapping = await parseJsonFile(source.mappingFile, 'mapping', (json) => parseMapping(json, schema));
  let table;
  try {
    table = await readTableFile(source.dataFile, schema, mapping);
  } catch (error) {
    throw new DataError(`cannot read ${source.dataFile}: ${(error as Error).message}`);
  }
  if (!table.ok) {
    const count = table.problems.length;
    throw new DataError(
      `${source.dataFile} has ${count} ${count === 1 ? 'problem' : 'problems'}; nothing was trained or sent. Fix each row, or exclude it in the mapping file with a reason:\n${formatProblems(table.problems)}`,
    );
  }
  const { rows, excluded } = table;
  const testCount = Math.floor(rows.length * testFraction);
  if (rows.length - testCount < 2) throw new DataError(`${source.dataFile} has ${rows.length} usable records: too few to train on`);
  const order = permutation(rows.length, seededRandom(SPLIT_SEED));
  const test = testCount === 0 ? rows : order.slice(0, testCount).map((i) => rows[i]!);
  const train = order.slice(testCount).map((i) => rows[i]!);
  return { schema, columns: encodedColumns(schema), site, train, test, excluded };
}

/** The site's own statistics over its training records: preprocessing without the consortium (FLamby's per-site normalisation). */
export function siteStatistics(table: TableSite): FeatureStatistics {
  return readStatistics(
    table.columns,
    localStatistics(
      table.columns,
      table.train.map((r) => r.x),
    ),
  )!;
}

/** The table imputed and normalised with `stats`, as the learner of its task wants it. */
export function tableDataset(table: TableSite, dataset: string, stats: FeatureStatistics): AnySiteDataset {
  const { schema, columns, site } = table;
  const features = columns.length;
  const encode = (rows: TableRow[]) =>
    preprocessRows(
      columns,
      stats,
      rows.map((r) => r.x),
    );
  if (schema.task === 'survival') {
    const records = (rows: TableRow[]) => {
      const outcomes = rows.map((r) => r.target as SurvivalOutcome);
      return {
        x: Float64Array.from(encode(rows)),
        time: Float64Array.from(outcomes, (o) => o.time),
        event: Uint8Array.from(outcomes, (o) => o.event),
        count: rows.length,
        covariates: features,
      };
    };
    return { dataset, site, task: 'survival', train: records(table.train), test: records(table.test) };
  }
  // Binary labels 0 or 1, multiclass labels the level's index 0..K-1 (readTable's encoding), regression the value.
  const examples = (rows: TableRow[]): Examples => ({ x: encode(rows), y: Float32Array.from(rows, (r) => r.target as number), count: rows.length, features });
  return { dataset, site, task: schema.task, train: examples(table.train), test: examples(table.test) };
}

async function parseJsonFile<T>(path: string, what: string, parse: (json: unknown) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(`the ${what} file ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return parse(json);
  } catch (error) {
    if (error instanceof SchemaError) throw new DataError(`${path}: ${error.message}`);
    throw error;
  }
}
