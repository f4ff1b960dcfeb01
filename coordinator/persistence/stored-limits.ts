/**
 * What a study's columns can hold. SQLite stores any length and any 64-bit integer whatever the
 * declared type; PostgreSQL refuses a longer string than its varchar or an integer past 32 bits, so
 * a study config is checked against these bounds before it is stored, with the same answer on both.
 */
export const STUDY_COLUMN_LIMITS = { nameLength: 128, datasetLength: 64 } as const;

/** The largest value of an `integer` column (32-bit signed). */
export const INTEGER_COLUMN_MAX = 2 ** 31 - 1;

interface StoredStudyFields {
  name: string;
  dataset: string;
  rounds: number;
  quorum: number;
  minClinics: number;
  seed: number;
}

/** Problems, by field, of a study config the studies table could not hold. */
export function storedStudyProblems(config: StoredStudyFields): string[] {
  const problems: string[] = [];
  const tooLong = (field: 'name' | 'dataset', max: number) => {
    if (config[field].length > max) problems.push(`${field} must be at most ${max} characters, got ${config[field].length}`);
  };
  tooLong('name', STUDY_COLUMN_LIMITS.nameLength);
  tooLong('dataset', STUDY_COLUMN_LIMITS.datasetLength);
  for (const field of ['rounds', 'quorum', 'minClinics', 'seed'] as const) {
    if (config[field] > INTEGER_COLUMN_MAX) problems.push(`${field} must be at most ${INTEGER_COLUMN_MAX}, got ${config[field]}`);
  }
  return problems;
}
