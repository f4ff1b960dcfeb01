/** The coordinator's HTTP API as the console calls it: same origin, the session's bearer token. */

/** A refused call: the status, the coordinator's message and, for an invalid study, every problem. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
  }
}

export type Role = 'operator' | 'auditor';

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** The answer as text (CSV, markdown, a model file). */
  text(path: string): Promise<string>;
  readonly token: string;
}

/** `onUnauthorised` runs when the token stops being accepted (a restarted coordinator with new tokens). */
export function createApi(token: string, onUnauthorised: () => void = () => {}): Api {
  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch {
      // fetch says only "Failed to fetch": the request never had an answer.
      throw new ApiError(0, `the coordinator did not answer ${method} ${path}: is it running, and this page its address?`);
    }
    if (response.ok) return response;
    const error = await apiError(response);
    if (response.status === 401) onUnauthorised();
    throw error;
  };
  return {
    token,
    get: async <T>(path: string) => (await (await call('GET', path)).json()) as T,
    post: async <T>(path: string, body?: unknown) => (await (await call('POST', path, body ?? {})).json()) as T,
    text: async (path: string) => (await call('GET', path)).text(),
  };
}

async function apiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: unknown; problems?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? response.statusText);
    return new ApiError(response.status, message, Array.isArray(body.problems) ? body.problems.map(String) : []);
  } catch {
    return new ApiError(response.status, text || response.statusText);
  }
}

/** Asks the coordinator which role a token names; an unknown token is an ApiError 401. */
export async function roleOf(token: string): Promise<Role> {
  const { role } = await createApi(token).get<{ role: Role }>('/session');
  return role;
}

/** Saves text as a file in the browser's downloads. */
export function saveFile(name: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
