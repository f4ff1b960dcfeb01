/** Helpers the CLI's HTTP-speaking commands share: coordinator URLs, JSON requests, tables. */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { UsageError } from './flags.js';

/** The flags of every command that calls the coordinator's HTTP API: its URL, and the CA its HTTPS certificate is checked against. */
export const COORDINATOR_URL_FLAGS = {
  'coordinator-url': { type: 'string' },
  'tls-ca': { type: 'string' },
} as const;

/** The CA given with --tls-ca (PEM), trusted alone for https:// coordinator URLs; unset: Node's default CAs. */
let trustedCa: string | undefined;

/** Takes `--tls-ca FILE` for the coordinator's HTTPS (undefined: the system CAs, as before). Refuses a file that holds no certificate. */
export function trustTlsCa(file: string | undefined): void {
  if (file === undefined) {
    trustedCa = undefined;
    return;
  }
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--tls-ca ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--tls-ca ${file}: no PEM certificate in it (give ca.pem from cohort certs init)`);
  trustedCa = pem;
}

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
  let response: { ok: boolean; status: number; statusText: string; text(): Promise<string> };
  try {
    response = trustedCa !== undefined && url.startsWith('https:') ? await requestTrusting(url, init ?? {}, trustedCa) : await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new Error(`cannot reach the coordinator at ${url}: ${cause}${certificateHint(cause)}`, { cause: error });
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

/** What to do about a certificate the client could not verify. */
function certificateHint(cause: string): string {
  if (/self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate/i.test(cause)) {
    return trustedCa === undefined
      ? ": the coordinator's certificate is not from a CA this machine trusts: give --tls-ca ca.pem (the consortium CA, from cohort certs init)"
      : ": the coordinator's certificate is not from the CA given with --tls-ca: give the consortium CA (ca.pem from cohort certs init)";
  }
  if (/Hostname\/IP does not match|altnames/i.test(cause)) return ': the URL names a host the certificate does not list (cohort certs show coordinator.pem)';
  return '';
}

/** A fetch-like request over node:https trusting `ca` alone (fetch takes no CA without another package). */
function requestTrusting(url: string, init: RequestInit, ca: string): Promise<{ ok: boolean; status: number; statusText: string; text(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ ok: status >= 200 && status < 300, status, statusText: res.statusMessage ?? '', text: async () => body });
      });
    });
    req.on('error', (error) => reject(Object.assign(new Error(error.message), { cause: error })));
    if (typeof init.body === 'string') req.write(init.body);
    req.end();
  });
}

/** The required `--coordinator-url`, with `--tls-ca` taken for its HTTPS. */
export function coordinatorUrl(values: { 'coordinator-url'?: string; 'tls-ca'?: string }): string {
  const url = values['coordinator-url'];
  if (typeof url !== 'string' || url === '') throw new UsageError('--coordinator-url URL is required');
  trustTlsCa(values['tls-ca']);
  return url;
}
