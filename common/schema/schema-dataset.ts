import { createHash } from 'node:crypto';
import type { DatasetDescriptor } from '../datasets.js';
import { encodedColumns, statisticsLength } from './feature-statistics.js';
import type { StudySchema } from './study-schema.js';

/*
 * A consortium's own dataset: a name and a study schema. Its id, `<name>@<12 hex digits>`, carries
 * a fingerprint of the parsed schema, so a clinic whose copy of the schema differs in any way
 * registers for another dataset than the study's and is never asked to train on it.
 */

const ID = /^([a-z0-9][a-z0-9_.-]{0,39})@([0-9a-f]{12})$/;
const NAME = /^[a-z0-9][a-z0-9_.-]{0,39}$/;

/** Why a consortium dataset's name is not usable, or null. */
export function datasetNameProblem(name: string): string | null {
  return NAME.test(name) ? null : `a dataset name is 1-40 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit, got "${name}"`;
}

/** The schema's fingerprint: SHA-256 of its parsed form with sorted keys, first 12 hex digits. */
export function schemaFingerprint(schema: StudySchema): string {
  return createHash('sha256').update(canonicalJson(schema)).digest('hex').slice(0, 12);
}

export function schemaDatasetId(name: string, schema: StudySchema): string {
  const problem = datasetNameProblem(name);
  if (problem) throw new Error(problem);
  return `${name}@${schemaFingerprint(schema)}`;
}

/** Whether a dataset id names a consortium's own dataset (rather than a built-in one). */
export function isSchemaDatasetId(id: string): boolean {
  return ID.test(id);
}

/** What the coordinator knows of a consortium dataset: its task, features and the model's input size; its sites are whoever enrols. */
export function schemaDescriptor(id: string, schema: StudySchema, preprocessing: 'federated' | 'site'): DatasetDescriptor {
  const columns = encodedColumns(schema);
  // A multiclass model is a softmax over the target's levels, in their order (readTable encodes them 0..K-1).
  const classes = schema.task === 'multiclass' ? schema.target.levels! : undefined;
  return {
    name: id,
    task: schema.task,
    sites: [],
    inputDim: columns.length,
    outputDim: classes?.length ?? 1,
    features: columns.map((c) => c.name),
    ...(classes && { classes: [...classes] }),
    // The treatment is the last encoded column, 0 control and 1 treated: absolute risks under each arm.
    ...(schema.treatment && { treatment: { feature: 'treatment', levels: schema.treatment.levels } }),
    preprocessing:
      preprocessing === 'federated'
        ? `Read from each clinic's CSV through its mapping onto the study schema; missing values imputed (mean or mode) and number features z-normalised with consortium-wide statistics combined in round 1 (${statisticsLength(columns.length)} values, under the study's privacy mode).`
        : "Read from each clinic's CSV through its mapping onto the study schema; missing values imputed and number features z-normalised with each site's own statistics, which stay at the clinic.",
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
