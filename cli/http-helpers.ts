/** Helpers the CLI's HTTP-speaking commands share: coordinator URLs, JSON requests, tables. */
import { UsageError } from './flags.js';

export function endpoint(base: string, path: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError(`--coordinator-url must be a URL such as http://127.0.0.1:8080, got "${base}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--coordinator-url must be http:// or https://, got "${base}"`);
  return `${url.href.replace(/\/+$/, '')}${path}`;
}

/** A JSON request; a non-2xx answer becomes an error with the coordinator's message. */
export async function http(url: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`cannot reach the coordinator at ${url}: ${cause ?? (error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message = (body as { message?: unknown } | null)?.message;
    const said = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : text.trim();
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${response.statusText}${said ? `: ${said}` : ''}`);
  }
  return body;
}

/** Request options carrying a bearer token; `missing` is the usage error when there is none. */
export function bearer(token: string | undefined, missing: string): RequestInit {
  if (!token) throw new UsageError(missing);
  return { headers: { authorization: `Bearer ${token}` } };
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
