import { useState } from 'preact/hooks';
import { ApiError, roleOf } from '../api.js';
import type { Session } from '../session.js';

/** Takes the operator's or the auditor's token; the coordinator says which role it names. */
export function LoginPage({ onSignedIn, expired }: { onSignedIn: (session: Session) => void; expired: boolean }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(expired ? 'The coordinator no longer accepts that token: sign in again.' : null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn({ token: token.trim(), role: await roleOf(token.trim()) });
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? 'The coordinator does not know that token. Use the operator or auditor token the coordinator was started with.'
          : `Could not sign in: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="container login">
      <article>
        <header>
          <h1>Cohort console</h1>
          <p>Federated studies and privacy budgets of your consortium.</p>
        </header>
        <form onSubmit={submit}>
          <label for="token">
            Access token
            <input
              id="token"
              name="token"
              type="password"
              autocomplete="off"
              required
              value={token}
              onInput={(e) => setToken((e.target as HTMLInputElement).value)}
              aria-describedby="token-help"
              aria-invalid={error ? 'true' : undefined}
            />
            <small id="token-help">The operator or auditor token. It is kept in this tab only, until you sign out or close it.</small>
          </label>
          {error && (
            <p class="error-box" role="alert">
              {error}
            </p>
          )}
          <button type="submit" aria-busy={busy}>
            Sign in
          </button>
        </form>
      </article>
    </main>
  );
}
