import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueServerCertificate } from '../common/tls/certificates.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { cohort, ok } from './support/cli-run.js';

// The HTTP commands against a TLS coordinator whose CA is not the system's: --tls-ca is enough,
// without NODE_EXTRA_CA_CERTS; without it the error says to give it.
const OPERATOR = 'operator-token-for-the-test';
const AUDITOR = 'auditor-token-for-the-test';
let dir: string;
let caFile: string;
let otherCaFile: string;
let coordinator: RunningCoordinator;
const env = { NODE_EXTRA_CA_CERTS: '' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-http-tls-ca-'));
  const ca = await createCertificateAuthority({ commonName: 'Consortium CA', days: 2 });
  const other = await createCertificateAuthority({ commonName: 'Another CA', days: 2 });
  caFile = join(dir, 'ca.pem');
  otherCaFile = join(dir, 'other-ca.pem');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(otherCaFile, other.certPem);
  coordinator = await startCoordinator({
    grpcPort: 0,
    httpPort: 0,
    database: ':memory:',
    logLevels: false,
    tls: await issueServerCertificate(ca, { days: 2 }),
    operatorToken: OPERATOR,
    auditorToken: AUDITOR,
  });
});

afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('--tls-ca on the HTTP commands', () => {
  it('trusts the consortium CA for clinic list, study list and audit report', async () => {
    const url = coordinator.httpUrl;
    expect(ok(await cohort(['clinic', 'list', '--coordinator-url', url, '--tls-ca', caFile, '--token', OPERATOR], env))).toMatch(
      /^clinic +fingerprint +enrolled/,
    );
    expect(ok(await cohort(['study', 'list', '--coordinator-url', url, '--tls-ca', caFile, '--token', AUDITOR, '--json'], env)).trim()).toBe('[]');
    const report = ok(await cohort(['audit', 'report', '--coordinator-url', url, '--tls-ca', caFile, '--auditor-token', AUDITOR, '--format', 'json'], env));
    expect(JSON.parse(report)).toMatchObject({ clinics: [] });
  });

  it('without it, says to give it', async () => {
    const run = await cohort(['clinic', 'list', '--coordinator-url', coordinator.httpUrl, '--token', OPERATOR], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the coordinator's certificate is not from a CA this machine trusts: give --tls-ca ca.pem");
  });

  it('with another CA, says it is the wrong one', async () => {
    const run = await cohort(['clinic', 'list', '--coordinator-url', coordinator.httpUrl, '--tls-ca', otherCaFile, '--token', OPERATOR], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the coordinator's certificate is not from the CA given with --tls-ca");
  });

  it('refuses a file without a certificate', async () => {
    const run = await cohort(['clinic', 'list', '--coordinator-url', coordinator.httpUrl, '--tls-ca', join(dir, 'missing.pem'), '--token', OPERATOR], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--tls-ca ${join(dir, 'missing.pem')}: cannot read it (ENOENT)`);
  });
});
