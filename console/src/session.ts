import type { Role } from './api.js';

/** The signed-in session: kept in sessionStorage, so it ends with the tab and is never written to disk by us. */
export interface Session {
  token: string;
  role: Role;
}

const KEY = 'cohort.console.session';

export function loadSession(): Session | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return saved && typeof saved.token === 'string' && (saved.role === 'operator' || saved.role === 'auditor') ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
