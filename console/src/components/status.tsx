import type { ComponentChildren } from 'preact';

/** A failed call, said plainly, with every problem listed (role="alert": read out when it appears). */
export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const problems = (error as { problems?: string[] }).problems ?? [];
  return (
    <div class="error-box" role="alert">
      <strong>{title ?? ((error as { status?: number }).status === 0 ? 'No answer' : 'The coordinator refused this')}:</strong>{' '}
      {problems.length > 0 ? `${problems.length} problem${problems.length > 1 ? 's' : ''}` : message}
      {problems.length > 0 && (
        <ul>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'good' | 'bad' | 'neutral' | 'warn'; children: ComponentChildren }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const TONES: Record<string, 'good' | 'bad' | 'neutral' | 'warn'> = {
  completed: 'good',
  running: 'neutral',
  waiting: 'neutral',
  paused: 'warn',
  cancelled: 'warn',
  failed: 'bad',
};

export function StudyStatus({ status }: { status: string }) {
  return <Badge tone={TONES[status] ?? 'neutral'}>{status}</Badge>;
}

export function Loading({ what }: { what: string }) {
  return <p aria-busy="true">Loading {what}…</p>;
}
