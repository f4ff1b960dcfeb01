/**
 * A study's data schema, a clinic's mapping file onto it, and a CSV reader that reports every bad
 * row at once. The study fixes features, target, treatment and subgroups (study-schema.ts); each
 * clinic maps its own column names and codes onto them (mapping.ts); readTable encodes a clinic's
 * CSV file as rows in schemaFeatureOrder, or refuses it whole with one problem per bad cell
 * (read-table.ts). Pure except readTableFile, which reads the file. Format: docs/schema.md.
 *
 * @example
 * const schema = parseStudySchema(JSON.parse(studyJson));
 * const mapping = parseMapping(JSON.parse(mappingJson), schema); // throws SchemaError listing every problem
 * const table = await readTableFile('patients.csv', schema, mapping);
 * if (!table.ok) throw new Error(formatProblems(table.problems)); // patients.csv line 14, column "alb" (albumin): "4,1" is not a number
 * schemaFeatureOrder(schema); // ['age', 'sex=female', 'albumin', 'treatment'], the columns of each table.rows[i].x
 */
export { SchemaError } from './problems.js';
export {
  FEATURE_TYPES,
  MISSING_POLICIES,
  TASKS,
  parseStudySchema,
  schemaColumns,
  schemaFeatureOrder,
  type Feature,
  type FeatureType,
  type LabelTarget,
  type MissingPolicy,
  type StudySchema,
  type Subgroup,
  type SurvivalTarget,
  type Task,
  type Treatment,
} from './study-schema.js';
export { DEFAULT_MISSING_TOKENS, parseMapping, type ClinicMapping, type CodeValue, type Exclusion, type TablePurpose } from './mapping.js';
export {
  encodedColumns,
  hasStatistics,
  localStatistics,
  preprocessRows,
  readStatistics,
  statisticsLength,
  type ColumnRole,
  type EncodedColumn,
  type FeatureStatistics,
} from './feature-statistics.js';
export { datasetNameProblem, isSchemaDatasetId, schemaDatasetId, schemaDescriptor, schemaFingerprint } from './schema-dataset.js';
export { CsvSyntaxError, parseCsv, type CsvRecord } from './csv.js';
export {
  formatProblems,
  readTable,
  readTableFile,
  type ReadOptions,
  type RowProblem,
  type SurvivalOutcome,
  type TableResult,
  type TableRow,
} from './read-table.js';
