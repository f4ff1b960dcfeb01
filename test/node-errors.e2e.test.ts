import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteDataset, type SiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { runNode } from '../clinic-node/node-agent.js';
import { createCertificateAuthority, issueServerCertificate, type CertificateAndKey } from '../common/tls/certificates.js';
import { channelCredentials } from '../common/tls/credentials.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { DATA_DIR } from './support/data-dir.js';

// Permanent connection failures against real loopback coordinators: the node stops at once with a
// hint naming the flag to fix. Its reconnect window is 10 minutes, longer than this test may run:
// a failure taken for an outage would be retried until the test times out.
let dir: string;
let data: SiteDataset;
let ca: CertificateAndKey;
let otherCa: CertificateAndKey;
let mtls: RunningCoordinator;
let plaintext: RunningCoordinator;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-node-errors-'));
  data = await loadSiteDataset('fed-heart-disease', 'cleveland', { dataDir: DATA_DIR });
  ca = await createCertificateAuthority({ commonName: 'Consortium CA', days: 2 });
  otherCa = await createCertificateAuthority({ commonName: 'Some other CA', days: 2 });
  const server = await issueServerCertificate(ca, { days: 2 });
  mtls = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    database: ':memory:',
    logLevels: false,
    tls: { ...server, caPem: ca.certPem, requireClientCertificate: true },
  });
  plaintext = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, insecure: true });
});

afterAll(async () => {
  await mtls?.close();
  await plaintext?.close();
  rmSync(dir, { recursive: true, force: true });
});

function node(coordinator: string, credentials: grpc.ChannelCredentials) {
  const lines: string[] = [];
  const keystore = Keystore.create(join(dir, `ks-${Math.random().toString(36).slice(2)}`), 'cleveland');
  const run = runNode({
    coordinator,
    dataset: 'fed-heart-disease',
    site: 'cleveland',
    keystore,
    credentials,
    preloaded: data,
    reconnectWindowMs: 10 * 60_000,
    reconnectBackoff: { baseMs: 50, capMs: 200 },
    log: (line) => lines.push(line),
  });
  return { run, lines };
}

describe('a node stops at once, naming the flag to fix', () => {
  it('when --tls-ca is not the CA that issued the coordinator certificate', async () => {
    const { run } = node(mtls.grpcAddress, channelCredentials({ caPem: otherCa.certPem }));
    await expect(run).rejects.toThrow(
      /cleveland: cannot connect: the coordinator's certificate at 127\.0\.0\.1:\d+ does not verify against the CA given with --tls-ca/,
    );
  });

  it('when the coordinator requires a client certificate and the node has none', async () => {
    const { run } = node(mtls.grpcAddress, channelCredentials({ caPem: ca.certPem }));
    await expect(run).rejects.toThrow(/requires a client certificate \(mutual TLS\): give --tls-cert clinic\.pem --tls-key clinic-key\.pem/);
  });

  it('when the coordinator speaks plaintext (--insecure) and the node TLS', async () => {
    const { run } = node(plaintext.grpcAddress, channelCredentials({ caPem: ca.certPem }));
    await expect(run).rejects.toThrow(/does not speak TLS \(it was started with --insecure\): start the node with --insecure as well/);
  });

  it('when --coordinator is a URL', async () => {
    const { run } = node(`https://${mtls.grpcAddress}`, channelCredentials({ caPem: ca.certPem }));
    await expect(run).rejects.toThrow(`--coordinator takes the gRPC address HOST:PORT, not a URL: got "https://${mtls.grpcAddress}"; drop "https://"`);
  });

  it('when the host does not resolve, before it ever connected', async () => {
    const { run } = node('no-such-host.invalid:50051', channelCredentials({ caPem: ca.certPem }));
    await expect(run).rejects.toThrow(/the host in --coordinator no-such-host\.invalid:50051 does not resolve/);
  });

  it('but keeps retrying a coordinator that is merely not there (connection refused), until stopped', async () => {
    const stop = new AbortController();
    const keystore = Keystore.create(join(dir, 'refused'), 'cleveland');
    const lines: string[] = [];
    const closedPort = plaintext.grpcAddress.replace(/:\d+$/, ':1');
    const run = runNode({
      coordinator: closedPort,
      dataset: 'fed-heart-disease',
      site: 'cleveland',
      keystore,
      credentials: grpc.credentials.createInsecure(),
      preloaded: data,
      reconnectWindowMs: 10 * 60_000,
      reconnectBackoff: { baseMs: 20, capMs: 50 },
      signal: stop.signal,
      log: (line) => {
        lines.push(line);
        if (lines.filter((l) => l.includes('coordinator unreachable')).length === 3) stop.abort();
      },
    });
    await expect(run).resolves.toMatchObject({ stopped: 'signal' });
    expect(lines.filter((l) => l.includes('coordinator unreachable (UNAVAILABLE:'))).toHaveLength(3);
  });
});
