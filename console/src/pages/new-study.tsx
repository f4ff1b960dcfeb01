import { useEffect, useState } from 'preact/hooks';
import { DATASETS } from '../../../common/datasets.js';
import { PRIVACY_MODES } from '../../../common/privacy-mode.js';
import type { Api } from '../api.js';
import { ErrorBox } from '../components/status.js';
import { href } from '../router.js';
import { STUDY_FIELDS, studyDefinition, valuesFrom, type FormField, type FormValues } from '../study-form.js';

interface Validation {
  valid: boolean;
  problems: string[];
  settings: Record<string, unknown> | null;
}

const CHOICES: Record<string, readonly string[]> = {
  dataset: Object.keys(DATASETS),
  privacy: PRIVACY_MODES,
  'training.optimizer': ['sgd', 'adam'],
};

/**
 * Defines a study over the API's own schema: the defaults for the chosen dataset and privacy are
 * filled in (POST /studies/validate), Check lists every problem at once, Create defines it.
 */
export function NewStudyPage({ api }: { api: Api }) {
  const [values, setValues] = useState<FormValues>({ dataset: 'fed-heart-disease', privacy: 'none' });
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set(['dataset', 'privacy']));
  const [result, setResult] = useState<{ kind: 'valid' | 'problems'; problems: string[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Dataset and privacy decide the defaults: show them in every field the operator has not set.
  useEffect(() => {
    let current = true;
    api.post<Validation>('/studies/validate', { dataset: values['dataset'], privacy: values['privacy'] }).then(
      (validation) => {
        if (!current || !validation.settings) return;
        const defaults = valuesFrom(validation.settings);
        setValues((now) => ({ ...defaults, ...Object.fromEntries([...touched].map((path) => [path, now[path] ?? ''])) }));
      },
      () => {},
    );
    return () => {
      current = false;
    };
  }, [values['dataset'], values['privacy']]);
  const change = (path: string, value: string) => {
    setValues({ ...values, [path]: value });
    setTouched(new Set([...touched, path]));
    setResult(null);
  };
  const check = async () => {
    setError(null);
    try {
      const validation = await api.post<Validation>('/studies/validate', studyDefinition(values));
      setResult(validation.valid ? { kind: 'valid', problems: [] } : { kind: 'problems', problems: validation.problems });
    } catch (failure) {
      setError(failure);
    }
  };
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      const study = await api.post<{ id: string }>('/studies', studyDefinition(values));
      location.hash = href({ page: 'study', id: study.id });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const visible = STUDY_FIELDS.filter((field) => !field.when || field.when(values));
  const problems = result?.problems ?? (error as { problems?: string[] } | null)?.problems ?? [];
  return (
    <>
      <h1>New study</h1>
      <p>
        Every field shows its default for the chosen dataset and privacy; change what the study needs. The coordinator checks the whole definition and names
        every problem.
      </p>
      <form onSubmit={create} noValidate data-testid="new-study">
        <div class="form-grid">
          {visible.map((field) => (
            <Field
              key={field.path}
              field={field}
              value={values[field.path] ?? ''}
              problems={problems.filter((p) => p.startsWith(`${field.path} `))}
              onChange={(value) => change(field.path, value)}
            />
          ))}
        </div>
        <div class="actions">
          <button type="button" class="secondary" onClick={check}>
            Check
          </button>
          <button type="submit" aria-busy={busy}>
            Create study
          </button>
        </div>
      </form>
      {result?.kind === 'valid' && (
        <p role="status" class="ok-box">
          The definition is valid.
        </p>
      )}
      {result?.kind === 'problems' && (
        <ErrorBox error={Object.assign(new Error('invalid study'), { problems: result.problems })} title="The study is not valid" />
      )}
      <ErrorBox error={error} title="The study was not created" />
    </>
  );
}

/** One input; the problems the coordinator named for its path are shown under it and mark it invalid. */
function Field({ field, value, problems, onChange }: { field: FormField; value: string; problems: string[]; onChange: (value: string) => void }) {
  const id = `field-${field.path.replace('.', '-')}`;
  const describedBy = [field.help && `${id}-help`, problems.length > 0 && `${id}-problems`].filter(Boolean).join(' ') || undefined;
  const invalid = problems.length > 0 ? 'true' : undefined;
  const help = field.help && <small id={`${id}-help`}>{field.help}</small>;
  const choices = CHOICES[field.path];
  return (
    <div class="field">
      <label for={id}>{field.label}</label>
      {choices ? (
        <select
          id={id}
          name={field.path}
          value={value}
          onChange={(e) => onChange((e.target as HTMLSelectElement).value)}
          aria-describedby={field.help && `${id}-help`}
        >
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={field.path}
          type="text"
          inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'number' ? 'decimal' : undefined}
          value={value}
          onInput={(e) => onChange((e.target as HTMLInputElement).value)}
          aria-describedby={describedBy}
          aria-invalid={invalid}
        />
      )}
      {help}
      {problems.length > 0 && (
        <small id={`${id}-problems`} class="field-problem">
          {problems.join('; ')}
        </small>
      )}
    </div>
  );
}
