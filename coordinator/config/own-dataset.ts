import { DATASETS, type DatasetDescriptor } from '../../common/datasets.js';
import type { FieldReader } from '../../common/json-fields.js';
import { parsePrivacyMode, type PrivacyMode } from '../../common/privacy-mode.js';
import { parseStudySchema, SchemaError, schemaDatasetId, schemaDescriptor, type StudySchema } from '../../common/schema/index.js';

/** How a study's clinics impute and normalise their own data: with consortium-wide statistics, or each with its own. */
export type Preprocessing = 'federated' | 'site';

/** A study's own dataset: its id (`<name>@<schema fingerprint>`), schema, preprocessing and what the coordinator knows of it. */
export interface OwnDataset {
  id: string;
  schema: StudySchema;
  preprocessing: Preprocessing;
  descriptor: DatasetDescriptor;
}

/** A study's own dataset from `dataset` (its name) and `schema`; null for a built-in dataset (then `preprocessing` is refused). */
export function readOwnDataset(field: FieldReader, problems: string[]): OwnDataset | null {
  const preprocessing = field.string('preprocessing');
  if (!field.has('schema')) {
    if (preprocessing !== undefined)
      problems.push('preprocessing applies to a study with its own schema; a built-in dataset preprocesses as its benchmark protocol does');
    return null;
  }
  if (preprocessing !== undefined && preprocessing !== 'federated' && preprocessing !== 'site')
    problems.push(`preprocessing "${preprocessing}" is unknown (known: federated, site)`);
  const name = field.string('dataset');
  if (name === undefined) return null; // reported as required
  if (name in DATASETS) {
    problems.push(`dataset "${name}" is built in and has its own schema; a study with a schema names its own dataset`);
    return null;
  }
  try {
    const schema = parseStudySchema(field.object('schema'));
    // A subgroup's report carries counts, not the squared errors a regression is scored by.
    if (schema.task === 'regression' && schema.subgroups.length > 0)
      problems.push('schema.subgroups: subgroup metrics are counts of right answers or concordant pairs, so a regression study cannot report them yet');
    const mode = preprocessing === 'site' ? 'site' : 'federated';
    const id = schemaDatasetId(name, schema);
    return { id, schema, preprocessing: mode, descriptor: schemaDescriptor(id, schema, mode) };
  } catch (error) {
    if (error instanceof SchemaError) problems.push(...error.problems.map((p) => `schema.${p}`));
    else problems.push((error as Error).message);
    return null;
  }
}

/**
 * Federated preprocessing sends each clinic's statistics through the study's protocol: no DP noise
 * is added to them, and secure aggregation's fixed point needs every value within its clip range.
 */
export function checkPreprocessing(own: OwnDataset, privacy: PrivacyMode, problems: string[]): void {
  if (own.preprocessing !== 'federated') return;
  const mode = parsePrivacyMode(privacy);
  if (mode.dp !== 'none') {
    problems.push(
      `privacy "${privacy}" adds noise to training, not to the statistics round of federated preprocessing: use "preprocessing": "site" (each clinic normalises with its own statistics, which stay with it)`,
    );
  }
  const unbounded = own.schema.features.filter((f) => f.type === 'number' && !f.range).map((f) => f.name);
  if (mode.transport === 'secagg' && unbounded.length > 0) {
    problems.push(
      `federated preprocessing under privacy "${privacy}" scales each number feature by its range to fit secure aggregation's fixed point: give a range to ${unbounded.join(', ')}`,
    );
  }
}
