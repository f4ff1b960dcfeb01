/**
 * The coordinator's side of the console, over HTTP without a browser: the console's files and the
 * redirect to them, who a token is (GET /session), study validation, the live stream of a study's
 * audit log (resuming after Last-Event-ID), and clinics' presence.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { SseParser, type SseEvent } from '../console/src/sse-parser.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';

const OPERATOR = 'operator-token-for-console-api';
const AUDITOR = 'auditor-token-for-console-api';

let dir: string;
let coordinator: RunningCoordinator;

const call = (path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${coordinator.httpUrl}${path}`, { redirect: 'manual', ...init, headers: { ...(token && { authorization: `Bearer ${token}` }), ...init.headers } });
const post = (path: string, token: string, body: unknown) =>
  call(path, token, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Opens a study's stream and collects its audit events until `stop` says enough. */
async function streamUntil(studyId: string, stop: (events: SseEvent[]) => boolean, lastEventId?: string): Promise<SseEvent[]> {
  const abort = new AbortController();
  const response = await call(`/studies/${studyId}/stream`, AUDITOR, { signal: abort.signal, headers: lastEventId ? { 'last-event-id': lastEventId } : {} });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new SseParser();
  const events: SseEvent[] = [];
  while (!stop(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    events.push(...parser.push(value).filter((e) => e.type === 'audit'));
  }
  abort.abort();
  return events;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-console-api-'));
  coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    insecure: true,
    database: join(dir, 'c.sqlite'),
    logLevels: false,
    operatorToken: OPERATOR,
    auditorToken: AUDITOR,
  });
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the console's files", () => {
  it('redirects / to /console/ and serves the built page', async () => {
    const root = await call('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const page = await call('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');
    expect((await call('/console/app.js')).status).toBe(200);
  });

  it('keeps plain-HTTP requests plain under --insecure, and scripts to the page itself', async () => {
    const csp = (await call('/console/')).headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('says how to build the console where it is not built', async () => {
    const bare = await startCoordinator({ grpcPort: 0, httpPort: 0, insecure: true, database: ':memory:', logLevels: false, consoleDir: join(dir, 'nowhere') });
    try {
      const response = await fetch(`${bare.httpUrl}/console/`);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(`the console is not built here (no ${join(dir, 'nowhere', 'index.html')}): run npm run build`);
    } finally {
      await bare.close();
    }
  });
});

describe('GET /session', () => {
  it("names the token's role, and refuses without one", async () => {
    expect(await (await call('/session', AUDITOR)).json()).toEqual({ role: 'auditor', canWrite: false });
    expect(await (await call('/session', OPERATOR)).json()).toEqual({ role: 'operator', canWrite: true });
    expect((await call('/session')).status).toBe(401);
    expect((await call('/session', 'wrong')).status).toBe(401);
  });
});

describe('POST /studies/validate', () => {
  it('names every problem at once', async () => {
    const response = await post('/studies/validate', OPERATOR, { dataset: 'fed-heart-disease', rounds: 0, training: { learningRate: -1 }, dp: { epsilon: 1 } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { valid: boolean; problems: string[]; settings: unknown };
    expect(body.valid).toBe(false);
    expect(body.settings).toBeNull();
    expect(body.problems).toEqual(expect.arrayContaining(['rounds must be an integer >= 1, got 0', 'training.learningRate must be a positive number, got -1']));
    expect(body.problems.join('\n')).toContain('dp.epsilon');
  });

  it('answers the effective settings with every default filled in, creating nothing', async () => {
    const body = (await (await post('/studies/validate', OPERATOR, { dataset: 'fed-heart-disease', privacy: 'dp' })).json()) as {
      valid: boolean;
      settings: Record<string, any>;
    };
    expect(body.valid).toBe(true);
    expect(body.settings['rounds']).toBe(15);
    expect(body.settings['dp']).toEqual({ targetEpsilon: 1, delta: 1e-5, clipNorm: 1 });
    expect(await (await call('/studies', OPERATOR)).json()).toEqual([]);
  });

  it('is the operator’s', async () => {
    expect((await post('/studies/validate', AUDITOR, { dataset: 'fed-heart-disease' })).status).toBe(403);
  });
});

describe('GET /studies/:id/stream', () => {
  it('sends the audit log, then events as they commit, and resumes after Last-Event-ID', async () => {
    const created = (await (await post('/studies', OPERATOR, { name: 'streamed', dataset: 'fed-heart-disease', rounds: 2 })).json()) as { id: string };
    const first = streamUntil(created.id, (events) => events.some((e) => JSON.parse(e.data).type === 'study-paused'));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the stream is open before the change
    expect((await post(`/studies/${created.id}/pause`, OPERATOR, {})).status).toBe(200);
    const seen = await first;
    const paused = seen.find((e) => JSON.parse(e.data).type === 'study-paused')!;
    expect(paused.id).toBe(String(JSON.parse(paused.data).seq));

    expect((await post(`/studies/${created.id}/resume`, OPERATOR, {})).status).toBe(200);
    const resumed = await streamUntil(created.id, (events) => events.length > 0, paused.id!);
    expect(resumed.map((e) => JSON.parse(e.data).type)).toEqual(['study-resumed']);
    expect(Number(resumed[0]!.id)).toBeGreaterThan(Number(paused.id));
  });

  it('refuses an unknown study and an unreadable Last-Event-ID', async () => {
    const unknown = await call('/studies/no-such-study/stream', AUDITOR);
    expect(unknown.status).toBe(404);
    const studies = (await (await call('/studies', AUDITOR)).json()) as { id: string }[];
    const bad = await call(`/studies/${studies[0]!.id}/stream`, AUDITOR, { headers: { 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe('Last-Event-ID must be an event seq (a whole number >= 0), got "yesterday"');
    expect((await call(`/studies/${studies[0]!.id}/stream`)).status).toBe(401);
  });
});

describe('a coordinator stopping with a live stream open', () => {
  it('ends the stream cleanly instead of waiting for the client', async () => {
    const other = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      insecure: true,
      database: ':memory:',
      logLevels: false,
      operatorToken: OPERATOR,
      auditorToken: AUDITOR,
    });
    const study = (await (
      await fetch(`${other.httpUrl}/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dataset: 'fed-heart-disease' }),
      })
    ).json()) as { id: string };
    const response = await fetch(`${other.httpUrl}/studies/${study.id}/stream`, { headers: { authorization: `Bearer ${AUDITOR}` } });
    const reader = response.body!.getReader();
    await reader.read(); // the stream is open and has sent the study's first event
    await other.close(); // without LiveStreams this never returns: the server waits for the response to end
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});

describe('GET /clinics', () => {
  it('shows whether each clinic is connected and what it registered with', async () => {
    const keystore = Keystore.create(join(dir, 'cleveland'), 'cleveland');
    await coordinator.keys.enrol(keystore.card);
    const [clinic] = (await (await call('/clinics', AUDITOR)).json()) as Record<string, unknown>[];
    expect(clinic).toMatchObject({ clinicId: 'cleveland', connected: false, lastSeenAt: null, registration: null, approval: null, revokedAt: null });
  });
});
