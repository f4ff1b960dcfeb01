import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { DataSource } from 'typeorm';
import { FederationClient } from '../clinic-node/client/federation-client.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { createLogger } from '../common/logging/logger.js';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, type CertificateAndKey } from '../common/tls/certificates.js';
import { channelCredentials } from '../common/tls/credentials.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';

// The coordinator's /health, /ready and /metrics, and its log lines for refused calls and
// handshakes, over real loopback mutual TLS (a handshake without a client certificate fails).
let dir: string;
let ca: CertificateAndKey;
let coordinator: RunningCoordinator;
const lines: Record<string, unknown>[] = [];
const METRICS_TOKEN = 'metrics-token-for-the-test';

function get(path: string, token?: string): Promise<{ status: number; body: string; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${coordinator.httpUrl}${path}`, { ca: ca.certPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, requestId: res.headers['x-request-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A sample's value in Prometheus text: the line starting with `series` (name and labels). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-observability-'));
  ca = await createCertificateAuthority({ commonName: 'Consortium CA', days: 2 });
  const server = await issueServerCertificate(ca, { days: 2 });
  coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    database: join(dir, 'coordinator.sqlite'),
    tls: { ...server, caPem: ca.certPem, requireClientCertificate: true },
    metricsToken: METRICS_TOKEN,
    logger: createLogger({ format: 'json', level: 'debug', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } }),
  });
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('health and readiness', () => {
  it('/health answers while the process does', async () => {
    const health = await get('/health');
    expect({ status: health.status, body: JSON.parse(health.body) }).toEqual({ status: 200, body: { status: 'ok', uptimeS: expect.any(Number) } });
  });

  it('/ready names the database, the migrations and gRPC', async () => {
    const ready = await get('/ready');
    expect({ status: ready.status, body: JSON.parse(ready.body) }).toEqual({
      status: 200,
      body: { status: 'ready', database: 'up', migrations: 'done', grpc: 'listening' },
    });
  });

  it('every HTTP request gets a request id, sent back and logged with the request', async () => {
    const answer = await get('/ready');
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const line = await until(async () => lines.find((l) => l['requestId'] === answer.requestId));
    expect(line).toMatchObject({ method: 'GET', path: '/ready', status: 200, msg: 'GET /ready 200', time: expect.any(String) });
  });
});

describe('/metrics', () => {
  it('needs the metrics token when the coordinator has one', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'wrong')).status).toBe(401);
    const scrape = await get('/metrics', METRICS_TOKEN);
    expect(scrape.status).toBe(200);
    for (const name of [
      'cohort_rounds{status="open"}',
      'cohort_rounds{status="closed"}',
      'cohort_rounds{status="failed"}',
      'cohort_clinics_connected',
      'cohort_updates_received_total',
      'cohort_update_bytes_received_total',
      'cohort_tls_handshakes_refused_total',
      'cohort_grpc_connections_refused_total',
    ]) {
      expect({ name, value: sample(scrape.body, name) }).toEqual({ name, value: 0 });
    }
    expect(scrape.body).toContain('cohort_process_resident_memory_bytes');
  });

  it('counts and logs a call refused at admission (an unenrolled clinic)', async () => {
    const stranger = Keystore.create(join(dir, 'stranger'), 'stranger');
    const certificate = await issueClientCertificate(ca, { clinicId: 'stranger', days: 2 });
    const credentials = channelCredentials({ caPem: ca.certPem, certPem: certificate.certPem, keyPem: certificate.keyPem });
    const client = new FederationClient(coordinator.grpcAddress, { identity: stranger.identity, credentials });
    await expect(
      client.register({ clinicId: 'stranger', dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 1, numTest: 1, nodeVersion: '0.1.0' }),
    ).rejects.toMatchObject({ code: 16 });
    client.close();
    const series = 'cohort_grpc_refusals_total{code="UNAUTHENTICATED",method="/cohort.v1.Federation/Register",stage="admission"}';
    expect(sample((await get('/metrics', METRICS_TOKEN)).body, series)).toBe(1);
    const line = lines.find((l) => String(l['msg']).startsWith('refused /cohort.v1.Federation/Register from 127.0.0.1: UNAUTHENTICATED: '));
    expect(line).toMatchObject({ level: 'warn', code: 'UNAUTHENTICATED', stage: 'admission', peer: '127.0.0.1' });
  });

  it('counts and logs a TLS handshake that fails on the gRPC port', async () => {
    const port = Number(coordinator.grpcAddress.split(':').at(-1));
    // Mutual TLS: a client without a certificate fails the handshake.
    await new Promise<void>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], ca: ca.certPem, servername: 'localhost' });
      socket.on('data', () => undefined);
      // Under TLS 1.3 the client finishes first; the server's refusal then closes the connection.
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
    });
    const refused = await until(async () => {
      const value = sample((await get('/metrics', METRICS_TOKEN)).body, 'cohort_tls_handshakes_refused_total');
      return value && value > 0 ? value : undefined;
    });
    expect(refused).toBe(1);
    const line = lines.find((l) => String(l['msg']).startsWith('refused a TLS handshake on the gRPC port from 127.0.0.1: '));
    expect(line).toMatchObject({ level: 'warn', msg: expect.stringContaining('peer did not return a certificate') });
  });
});

describe('/ready without its database', () => {
  it('is 503 naming the database, while /health stays 200', async () => {
    await coordinator.app.get(DataSource).destroy();
    const ready = await get('/ready');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'not ready', database: expect.stringMatching(/^down: /), grpc: 'listening' });
    expect((await get('/health')).status).toBe(200);
  });
});
