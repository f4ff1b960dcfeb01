/**
 * The new-study form's fields and how they become a study definition for POST /studies: the
 * same schema the API validates (coordinator/config/study-config.ts), so the server names every
 * problem. Pure, so it is tested without a browser.
 */

export interface FormField {
  /** The definition's key path, e.g. `training.learningRate`. */
  path: string;
  label: string;
  kind: 'text' | 'integer' | 'number' | 'choice';
  /** Only shown (and sent) when this holds of the current values, e.g. DP settings with a DP privacy mode. */
  when?: (values: FormValues) => boolean;
  help?: string;
}

/** What the inputs hold, by path; an empty string means "not given: the default". */
export type FormValues = Record<string, string>;

const usesDp = (values: FormValues) => (values['privacy'] ?? '').includes('dp');

export const STUDY_FIELDS: readonly FormField[] = [
  { path: 'name', label: 'Name', kind: 'text', help: 'Names identify studies: defining a study of the same name again answers the existing one.' },
  { path: 'dataset', label: 'Dataset', kind: 'choice' },
  { path: 'privacy', label: 'Privacy', kind: 'choice', help: 'none, he (CKKS encryption), dp (DP-SGD), secagg (secure aggregation), or combinations.' },
  { path: 'rounds', label: 'Rounds', kind: 'integer' },
  { path: 'minClinics', label: 'Clinics round 1 waits for', kind: 'integer' },
  { path: 'quorum', label: 'Quorum (updates a round needs)', kind: 'integer' },
  { path: 'roundTimeoutS', label: 'Round timeout (seconds)', kind: 'number' },
  { path: 'seed', label: 'Seed', kind: 'integer' },
  { path: 'training.optimizer', label: 'Optimizer', kind: 'choice' },
  { path: 'training.learningRate', label: 'Learning rate', kind: 'number' },
  { path: 'training.batchSize', label: 'Batch size', kind: 'integer' },
  { path: 'training.localSteps', label: 'Local steps per round', kind: 'integer' },
  { path: 'dp.targetEpsilon', label: 'Target epsilon (per clinic, whole study)', kind: 'number', when: usesDp },
  { path: 'dp.delta', label: 'Delta', kind: 'number', when: usesDp },
  { path: 'dp.clipNorm', label: 'Clip norm', kind: 'number', when: usesDp },
];

/**
 * The definition the values describe: given fields only, numbers as numbers (a number that does not
 * parse is sent as typed, for the server to name). Hidden fields are left out.
 */
export function studyDefinition(values: FormValues): Record<string, unknown> {
  const definition: Record<string, unknown> = {};
  for (const field of STUDY_FIELDS) {
    const raw = (values[field.path] ?? '').trim();
    if (raw === '' || (field.when && !field.when(values))) continue;
    const value = field.kind === 'integer' || field.kind === 'number' ? (Number.isFinite(Number(raw)) ? Number(raw) : raw) : raw;
    setPath(definition, field.path, value);
  }
  return definition;
}

/** The form's values from a study's effective settings (POST /studies/validate): every default shown. */
export function valuesFrom(settings: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of STUDY_FIELDS) {
    const value = getPath(settings, field.path);
    if (typeof value === 'string' || typeof value === 'number') values[field.path] = String(value);
  }
  return values;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

function getPath(source: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), source);
}
