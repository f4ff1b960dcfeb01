/**
 * `cohort coordinator` in its own OS process, as the multi-process tests and the benchmark run it:
 * the built CLI (dist/cli/cohort.js) over TLS, with loopbackTls()'s certificate and key written to
 * a temporary directory, an operator token and an auditor token, and HTTPS clients that trust the
 * throwaway CA (and nothing else).
 *
 * @example
 * const coordinator = await startCoordinatorProcess({ args: ['--dataset', 'fed-heart-disease', '--rounds', '3'] });
 * await coordinator.enrol(keystore.card, { dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 199, numTest: 104 });
 * runNode({ coordinator: coordinator.grpcAddress, keystore, credentials: coordinator.credentials(), ... });
 * // or a node process: cohort node --coordinator ADDR --keystore DIR --tls-ca ${coordinator.caFile} ...
 * const detail = await coordinator.fetchJson(`/studies/${await coordinator.studyId()}`);
 * await coordinator.stop();
 */
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { Approval } from '../coordinator/clinics/clinic-approvals.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logMessages } from '../common/logging/logger.js';
import { freePort } from '../common/net.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { loopbackTls } from '../common/tls/loopback.js';
import { cardToJson, type ClinicCard } from '../crypto/index.js';

export const COHORT_CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'cohort.js');

export interface CoordinatorProcessOptions {
  /** Flags after the ones set here: a study (`--dataset D --rounds N ...` or `--study FILE`), `--host`. */
  args?: string[];
  /** Default: a free port each. */
  grpcPort?: number;
  httpPort?: number;
  /** SQLite file. Default `coordinator.sqlite` in the process's temporary directory. */
  db?: string;
  /** Default: random tokens, in `operatorToken` and `auditorToken` of the result. */
  operatorToken?: string;
  auditorToken?: string;
  /** The child's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The child's stderr: kept in `output()` (default) or shown as it comes. */
  stderr?: 'pipe' | 'inherit';
  /** How long to wait for the "coordinator:" line. Default 60 s. */
  startTimeoutMs?: number;
}

export interface CoordinatorProcess {
  child: ChildProcess;
  /** `host:port` for clinics, as the coordinator printed it. */
  grpcAddress: string;
  /** `https://host:port`, as the coordinator printed it. */
  httpUrl: string;
  /** The CA that issued the coordinator's certificate, in PEM and on disk (`--tls-ca`, `NODE_EXTRA_CA_CERTS`). */
  caPem: string;
  caFile: string;
  /** The temporary directory holding the TLS files (and the database unless `db` was given). */
  dir: string;
  operatorToken: string;
  auditorToken: string;
  /** gRPC channel credentials trusting the CA. */
  credentials(): ChannelCredentials;
  /** Everything the child printed so far (stdout, and stderr unless inherited). */
  output(): string;
  /** The id of the study the coordinator created from its flags (waits for its line). */
  studyId(timeoutMs?: number): Promise<string>;
  /** Enrols a clinic's card over HTTPS with the operator token, approved for a site and record counts. */
  enrol(card: ClinicCard, approved: Approval): Promise<{ clinicId: string; fingerprint: string; created: boolean }>;
  /** An HTTPS request (token default: the operator's); the answer's status and parsed body, whatever the status. */
  request(path: string, init?: { token?: string | null; method?: string; body?: unknown }): Promise<{ status: number; body: unknown }>;
  /** A GET with `token` (default: the operator's); a non-2xx answer is an error carrying the coordinator's message. */
  fetchJson<T = unknown>(path: string, token?: string): Promise<T>;
  kill(signal?: NodeJS.Signals): boolean;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, SIGKILL if it is still running after `graceMs`; then the temporary directory goes. Resolves to the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Spawns `cohort coordinator` over TLS and resolves once it printed its "coordinator:" line. */
export async function startCoordinatorProcess(options: CoordinatorProcessOptions = {}): Promise<CoordinatorProcess> {
  const tls = await loopbackTls();
  const dir = mkdtempSync(join(tmpdir(), 'cohort-coordinator-'));
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'coordinator.pem'), key: join(dir, 'coordinator-key.pem') };
  writeFileSync(files.ca, tls.caPem);
  writeFileSync(files.cert, tls.server.certPem);
  writeFileSync(files.key, tls.server.keyPem, { mode: 0o600 });
  const operatorToken = options.operatorToken ?? `operator-${randomBytes(12).toString('hex')}`;
  const auditorToken = options.auditorToken ?? `auditor-${randomBytes(12).toString('hex')}`;
  const tokenFile = (name: string, token: string) => {
    const path = join(dir, name);
    writeFileSync(path, `${token}\n`, { mode: 0o600 });
    return path;
  };
  const grpcPort = options.grpcPort ?? (await freePort());
  const httpPort = options.httpPort ?? (await freePort());
  const args = [
    COHORT_CLI,
    'coordinator',
    '--grpc-port',
    String(grpcPort),
    '--http-port',
    String(httpPort),
    '--db',
    options.db ?? join(dir, 'coordinator.sqlite'),
    '--tls-cert',
    files.cert,
    '--tls-key',
    files.key,
    // Token files, not tokens: a process's arguments are readable by everyone on the machine.
    '--operator-token-file',
    tokenFile('operator-token', operatorToken),
    '--auditor-token-file',
    tokenFile('auditor-token', auditorToken),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'], env: options.env ?? process.env });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const waitFor = async (pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpExecArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // The coordinator logs JSON lines (its stdout is a pipe): patterns match their messages.
      const match = pattern.exec(logMessages(output));
      if (match) return match;
      if (exitCode !== undefined) throw new Error(`cohort coordinator exited (${exitCode}) before ${what}; output:\n${output}`);
      if (Date.now() > deadline) throw new Error(`cohort coordinator: no ${what} after ${timeoutMs / 1000} s; output:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  let started: RegExpExecArray;
  try {
    started = await waitFor(/^coordinator: gRPC (\S+), HTTP (\S+), database /m, 'its "coordinator:" line', options.startTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const httpUrl = started[2]!;
  const https = trustingFetch(tls.caPem);

  const request: CoordinatorProcess['request'] = async (path, init = {}) => {
    const token = init.token === undefined ? operatorToken : init.token;
    const response = await https(`${httpUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(init.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the text itself
    }
    return { status: response.status, body };
  };
  const expectOk = <T>(what: string, { status, body }: { status: number; body: unknown }): T => {
    if (status < 200 || status >= 300) throw new Error(`${what}: ${status}: ${(body as { message?: unknown } | null)?.message ?? JSON.stringify(body)}`);
    return body as T;
  };

  return {
    child,
    grpcAddress: started[1]!,
    httpUrl,
    caPem: tls.caPem,
    caFile: files.ca,
    dir,
    operatorToken,
    auditorToken,
    credentials: () => tls.credentials(),
    output: () => output,
    studyId: async (timeoutMs = 60_000) => (await waitFor(/^study ([0-9a-f-]{36}): /m, 'study line', timeoutMs))[1]!,
    enrol: async (card, approved) =>
      expectOk(`enrolling ${card.clinicId}`, await request('/clinics/enrolled', { method: 'POST', body: { ...cardToJson(card), approved } })),
    request,
    fetchJson: async <T>(path: string, token?: string) => expectOk<T>(`GET ${path}`, await request(path, { token })),
    kill: (signal = 'SIGTERM') => child.kill(signal),
    exited,
    stop: async (graceMs = 10_000) => {
      if (exitCode === undefined) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * `fetch` that trusts `caPem` for https:// URLs (the global fetch trusts only the system's CAs and
 * NODE_EXTRA_CA_CERTS read at startup); http:// URLs go to the global fetch. Bodies are strings.
 */
export function trustingFetch(caPem: string): (url: string | URL, init?: RequestInit) => Promise<Response> {
  return (input, init = {}) => {
    const url = new URL(String(input));
    if (url.protocol !== 'https:') return fetch(url, init);
    if (init.body != null && typeof init.body !== 'string') throw new TypeError('trustingFetch sends string bodies only');
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    return new Promise<Response>((resolve, reject) => {
      const request = httpsRequest(url, { method: init.method ?? 'GET', headers, ca: caPem, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const body = chunks.length === 0 || [204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          resolve(new Response(body, { status, statusText: response.statusMessage ?? '', headers: responseHeaders }));
        });
      });
      request.on('error', reject);
      request.end(init.body ?? undefined);
    });
  };
}
