/**
 * docker-compose.yml end to end: builds the image, brings the stack up with no other step, waits for
 * the study in deploy/study.json to finish, checks the model, the four clinics' privacy ledgers (the
 * coordinator's verified copies and each node's own file), the coordinator's /metrics and that
 * Prometheus sees every target up (the coordinator and each node's health port), then stops the stack and checks every container stopped
 * gracefully (exit code 0: no SIGKILL, which shows as 137).
 *
 * Needs a Docker engine and docker-compose: set COHORT_TEST_DOCKER=1 with DOCKER_HOST (.ci/run does,
 * and builds the base, PostgreSQL and Prometheus images locally: COHORT_BASE_IMAGE,
 * COHORT_POSTGRES_IMAGE, COHORT_PROMETHEUS_IMAGE). Without them the suite is listed as skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../common/paths.js';
import { DATA_DIR } from './support/data-dir.js';

const run = promisify(execFile);
const DOCKER_READY = process.env['COHORT_TEST_DOCKER'] === '1' && Boolean(process.env['DOCKER_HOST']);
const SKIPPED = 'skipped: set COHORT_TEST_DOCKER=1 and DOCKER_HOST to a running Docker engine to run';
const STUDY_NAME = 'compose-heart-dp';
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const ROUNDS = 3;
const MINUTE = 60_000;

if (!DOCKER_READY) process.stderr.write(`note: "docker-compose stack" ${SKIPPED}\n`);

(DOCKER_READY ? describe : describe.skip)(`docker-compose stack${DOCKER_READY ? '' : ` [${SKIPPED}]`}`, () => {
  const project = `cohorttest${randomBytes(4).toString('hex')}`;
  // An image tag of its own, not the user's cohort:latest.
  const env: NodeJS.ProcessEnv = { ...process.env, COHORT_IMAGE: 'cohort:compose-test', COHORT_DATA_DIR: DATA_DIR };
  let coordinatorUrl = '';
  let prometheusUrl = '';
  let operatorToken = '';
  let metricsToken = '';
  let ca = '';
  let stopped = false;

  const compose = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('docker-compose', ['-p', project, ...args], { cwd: PACKAGE_ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  };
  const api = (path: string): Promise<Answer> => get(`${coordinatorUrl}${path}`, { ca, token: operatorToken });

  beforeAll(async () => {
    env['COHORT_HTTP_PORT'] = String(await freePort());
    env['COHORT_PROMETHEUS_PORT'] = String(await freePort());
    coordinatorUrl = `https://127.0.0.1:${env['COHORT_HTTP_PORT']}`;
    prometheusUrl = `http://127.0.0.1:${env['COHORT_PROMETHEUS_PORT']}`;
    // As a user would, `up` builds the image and starts everything; --build rebuilds it from this
    // checkout even when an earlier run left one (its unchanged layers come from the cache).
    await timed('docker-compose up -d --build', () => compose('up', '-d', '--build'));
    ca = await compose('exec', '-T', 'coordinator', 'cat', '/secrets/ca.pem');
    operatorToken = (await compose('exec', '-T', 'coordinator', 'cat', '/secrets/operator.token')).trim();
    metricsToken = (await compose('exec', '-T', 'coordinator', 'cat', '/secrets/metrics.token')).trim();
  }, 20 * MINUTE);

  afterAll(async () => {
    if (!stopped) process.stderr.write(await compose('logs', '--no-color', '--tail', '40').catch((error: Error) => error.message));
    await timed('docker-compose down --volumes', () => compose('down', '--volumes', '--remove-orphans', '--timeout', '40'));
  }, 2 * MINUTE);

  test(
    'the study finishes: every round closed, a model of the last version, metrics from every site',
    async () => {
      const finished = await timed('study finished after up', () => waitFor(() => finishedStudy(api), 8 * MINUTE));
      expect(finished.status).toBe('completed');
      // The clinics evaluate the last version after the study ends: wait for their reports.
      const everySiteReported = (study: Study) => study.roundHistory.every((round) => round.metrics.length === SITES.length);
      const study = await waitFor(async () => {
        const view = (await api(`/studies/${finished.id}`)).json as Study;
        return everySiteReported(view) ? view : undefined;
      }, MINUTE).catch(() => finished);
      expect(study.roundHistory.map((round) => round.status)).toEqual(Array(ROUNDS).fill('closed'));
      for (const round of study.roundHistory) expect(round.metrics.map((m) => m.site).sort()).toEqual(SITES);
      const model = (await api(`/studies/${study.id}/models/latest`)).json as { version: number; parameters: number[] };
      expect(model.version).toBe(ROUNDS);
      expect(model.parameters.length).toBeGreaterThan(0);
      expect(model.parameters.every(Number.isFinite)).toBe(true);
    },
    10 * MINUTE,
  );

  test('each clinic spent within its cap: the coordinator verifies its ledger, the node holds its own', async () => {
    const budgets = (await api('/audit/clinics')).json as { clinicId: string; spends: number; epsilon: number; capEpsilon: number; verified: boolean }[];
    expect(budgets.map((b) => b.clinicId).sort()).toEqual(SITES);
    for (const budget of budgets) {
      expect(budget).toMatchObject({ spends: ROUNDS, verified: true, capEpsilon: 1 });
      expect(budget.epsilon).toBeGreaterThan(0);
      expect(budget.epsilon).toBeLessThanOrEqual(1 + 1e-9);
    }
    for (const site of SITES) {
      const ledger = await compose('exec', '-T', `node-${site}`, 'cat', '/state/keystore/privacy-ledger.jsonl');
      const entries = ledger
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries).toHaveLength(ROUNDS);
    }
  });

  test("the coordinator's /metrics answers in Prometheus' text format, to the metrics token only", async () => {
    expect((await get(`${coordinatorUrl}/metrics`, { ca })).status).toBe(401);
    const metrics = await get(`${coordinatorUrl}/metrics`, { ca, token: metricsToken });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^# TYPE \w+ (counter|gauge|histogram|summary)$/m);
  });

  test('Prometheus sees every target up: the coordinator and the four nodes', async () => {
    const targets = await waitFor(async () => {
      const answer = await get(`${prometheusUrl}/api/v1/targets?state=active`);
      const active = (answer.json as { data: { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] } }).data.activeTargets;
      return active.length > 0 && active.every((target) => target.health === 'up') ? active : undefined;
    }, 2 * MINUTE).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${(await get(`${prometheusUrl}/api/v1/targets?state=active`)).body}`);
    });
    const hosts = targets.map((target) => new URL(target.scrapeUrl).host).sort();
    expect(hosts).toEqual(['coordinator:8080', ...SITES.map((site) => `node-${site}:9100`)]);
  });

  test('docker-compose stop ends every container gracefully (exit 0, none killed)', async () => {
    await timed('docker-compose stop', () => compose('stop', '--timeout', '40'));
    stopped = true;
    const ids = (await compose('ps', '-q')).trim().split('\n');
    const { stdout } = await run('docker', ['inspect', '--format', '{{.Name}} {{.State.ExitCode}} {{.State.OOMKilled}}', ...ids], { env });
    const states = stdout.trim().split('\n').sort();
    expect(states).toHaveLength(5 + SITES.length); // setup, enrol, postgres, coordinator, prometheus and the nodes
    for (const state of states) expect(state).toMatch(/ 0 false$/);
  });
});

interface Study {
  id: string;
  name: string;
  status: string;
  roundHistory: { status: string; metrics: { site: string }[] }[];
}

async function finishedStudy(api: (path: string) => Promise<Answer>): Promise<Study | undefined> {
  const list = await api('/studies').catch(() => undefined);
  const listed = (list?.json as { id: string; name: string; status: string }[] | undefined)?.find((study) => study.name === STUDY_NAME);
  if (!listed || !['completed', 'failed', 'cancelled'].includes(listed.status)) return undefined;
  return (await api(`/studies/${listed.id}`)).json as Study;
}

interface Answer {
  status: number;
  body: string;
  json: unknown;
}

/** A GET over HTTPS trusting only `ca` (the stack's own CA), or over plain HTTP. */
async function get(url: string, options: { ca?: string; token?: string } = {}): Promise<Answer> {
  if (url.startsWith('http:')) {
    const response = await fetch(url);
    const body = await response.text();
    return { status: response.status, body, json: parse(body) };
  }
  return new Promise((resolve, reject) => {
    const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    const req = request(url, { ca: options.ca, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, json: parse(body) }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function waitFor<T>(probe: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not ready within ${limitMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Runs `step`, and reports how long it took (measured for the notes, never asserted). */
async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const value = await step();
  process.stderr.write(`compose e2e: ${what} in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
  return value;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
