import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cohort, ok } from './support/cli-run.js';

// `cohort certs` through the built CLI (npm test builds first), as an operator runs it. The steps
// build on one another: init, a refused second init, --force, clinic certificates, show, renewal.
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const mode = (path: string) => statSync(path).mode & 0o777;
const cert = (path: string) => new X509Certificate(readFileSync(path));

let root: string;
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cohort-certs-'));
  dir = join(root, 'consortium', 'certs');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('cohort certs', () => {
  it('init writes the CA and the coordinator certificate: directory 0700, keys 0600', async () => {
    const stdout = ok(await cohort(['certs', 'init', '--dir', dir, '--hosts', 'coordinator.example,10.0.0.5', '--days', '90']));
    for (const name of ['ca.pem', 'ca-key.pem', 'coordinator.pem', 'coordinator-key.pem']) expect(stdout).toContain(`wrote ${file(name)}`);
    expect(mode(dir)).toBe(0o700);
    expect(mode(file('ca-key.pem'))).toBe(0o600);
    expect(mode(file('coordinator-key.pem'))).toBe(0o600);
    for (const name of ['ca.pem', 'coordinator.pem']) {
      expect(mode(file(name)) & 0o600).toBe(0o600);
      expect(mode(file(name)) & 0o022).toBe(0); // writable by the owner alone (umask may narrow 0644 further)
    }
    const ca = cert(file('ca.pem'));
    const coordinator = cert(file('coordinator.pem'));
    expect(ca.ca).toBe(true);
    expect(coordinator.ca).toBe(false);
    expect(coordinator.subjectAltName).toBe('DNS:coordinator.example, IP Address:10.0.0.5');
    expect(coordinator.keyUsage).toEqual([SERVER_AUTH]); // node's name for the extended key usage
    expect(coordinator.checkIssued(ca) && coordinator.verify(ca.publicKey)).toBe(true);
    expect(Math.round((Date.parse(coordinator.validTo) - Date.parse(coordinator.validFrom)) / 86_400_000)).toBe(90);
    expect(coordinator.checkPrivateKey(createPrivateKey(readFileSync(file('coordinator-key.pem'))))).toBe(true);
    expect(readFileSync(file('ca-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('refuses to overwrite, naming the files and writing nothing; --force replaces them with fresh modes', async () => {
    const before = readFileSync(file('ca.pem'), 'utf8');
    const refused = await cohort(['certs', 'init', '--dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `cohort: ${file('ca.pem')}, ${file('ca-key.pem')}, ${file('coordinator.pem')}, ${file('coordinator-key.pem')} already exist; nothing was written (--force replaces them)\n`,
    );
    expect(readFileSync(file('ca.pem'), 'utf8')).toBe(before);

    chmodSync(file('ca-key.pem'), 0o644); // someone loosened it; a replacement must not inherit that
    ok(await cohort(['certs', 'init', '--dir', dir, '--hosts', 'coordinator.example,10.0.0.5', '--force']));
    expect(readFileSync(file('ca.pem'), 'utf8')).not.toBe(before);
    expect(mode(file('ca-key.pem'))).toBe(0o600);
    expect(cert(file('coordinator.pem')).verify(cert(file('ca.pem')).publicKey)).toBe(true);
  });

  it('clinic issues a client certificate that chains to the CA', async () => {
    const out = join(root, 'to-cleveland');
    const stdout = ok(await cohort(['certs', 'clinic', '--dir', dir, '--clinic-id', 'cleveland', '--out', out]));
    expect(stdout).toContain(`wrote ${join(out, 'cleveland.pem')}: CN=cleveland, valid until `);
    expect(mode(out)).toBe(0o700);
    expect(mode(join(out, 'cleveland-key.pem'))).toBe(0o600);
    const clinic = cert(join(out, 'cleveland.pem'));
    const ca = cert(file('ca.pem'));
    expect(clinic.subject).toBe('CN=cleveland');
    expect(clinic.keyUsage).toEqual([CLIENT_AUTH]);
    expect(clinic.checkIssued(ca)).toBe(true);
    expect(clinic.verify(ca.publicKey)).toBe(true);

    // Into the CA's directory by default; a second time is refused.
    ok(await cohort(['certs', 'clinic', '--dir', dir, '--clinic-id', 'va']));
    expect(cert(file('va.pem')).verify(ca.publicKey)).toBe(true);
    const again = await cohort(['certs', 'clinic', '--dir', dir, '--clinic-id', 'va']);
    expect(again).toMatchObject({
      code: 1,
      stderr: `cohort: ${file('va.pem')}, ${file('va-key.pem')} already exist; nothing was written (--force replaces them)\n`,
    });
  });

  it('show prints subject, issuer, SANs, validity and the SHA-256 fingerprint', async () => {
    const stdout = ok(await cohort(['certs', 'show', file('coordinator.pem')]));
    const coordinator = cert(file('coordinator.pem'));
    expect(stdout).toContain('subject      CN=coordinator.example\n');
    expect(stdout).toContain('issuer       CN=Cohort consortium CA\n');
    expect(stdout).toContain('SANs         DNS:coordinator.example, IP:10.0.0.5\n');
    expect(stdout).toContain('purposes     serverAuth\n');
    expect(stdout).toContain(`SHA-256      ${coordinator.fingerprint256}\n`);
    expect(stdout).toMatch(/^valid {8}\d{4}-\d\d-\d\dT[\d:.]+Z to \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    const caShown = ok(await cohort(['certs', 'show', file('ca.pem')]));
    expect(caShown).toContain('issuer       CN=Cohort consortium CA (self-signed)\n');
    expect(caShown).toContain('CA           yes\n');
  });

  it('server renews the coordinator certificate under the same CA', async () => {
    const old = cert(file('coordinator.pem')).fingerprint256;
    expect((await cohort(['certs', 'server', '--dir', dir, '--hosts', 'coordinator.example'])).code).toBe(1);
    ok(await cohort(['certs', 'server', '--dir', dir, '--hosts', 'coordinator.example,coordinator.internal', '--force']));
    const renewed = cert(file('coordinator.pem'));
    expect(renewed.fingerprint256).not.toBe(old);
    expect(renewed.subjectAltName).toBe('DNS:coordinator.example, DNS:coordinator.internal');
    expect(renewed.verify(cert(file('ca.pem')).publicKey)).toBe(true);
    expect(mode(file('coordinator-key.pem'))).toBe(0o600);
  });

  it('refuses bad input with a clear message', async () => {
    const failures: [string[], number, string][] = [
      [['init', '--hosts', 'localhost'], 2, '--dir DIR is required'],
      [['init', '--dir', join(root, 'x'), '--days', '0'], 2, '--days must be a whole number of days >= 1, got "0"'],
      [['init', '--dir', join(root, 'x'), '--hosts', ','], 2, '--hosts takes host names or IP addresses separated by commas, got ","'],
      [
        ['init', '--dir', join(root, 'x'), '--hosts', 'bad host'],
        1,
        `host "bad host" is neither an IP address nor a DNS name (letters, digits and '-' in dot-separated labels, optionally starting with *.)`,
      ],
      [
        ['clinic', '--dir', dir, '--clinic-id', 'ca', '--force'],
        2,
        `clinic id "ca" would write over ${file('ca.pem')}; issue it into another directory with --out`,
      ],
      [['clinic', '--dir', dir, '--clinic-id', '../escape'], 2, `clinic id "../escape" must be 1-128 letters, digits, '.', '_' or '-'`],
      [
        ['clinic', '--dir', join(root, 'no-ca'), '--clinic-id', 'va'],
        1,
        `cannot read the CA certificate ${join(root, 'no-ca', 'ca.pem')}: no such file (cohort certs init creates it)`,
      ],
      [['show', file('ca-key.pem')], 1, 'no PEM certificate (-----BEGIN CERTIFICATE-----) found'],
      [['show'], 2, 'cohort certs show takes one FILE'],
      [['renew'], 2, 'unknown certs subcommand "renew" (init, server, clinic, show)'],
    ];
    const runs = await Promise.all(failures.map(([args]) => cohort(['certs', ...args])));
    expect(runs.map((run) => [run.code, run.stderr.split('\n')[0]])).toEqual(failures.map(([, code, message]) => [code, `cohort: ${message}`]));
    expect(existsSync(join(root, 'x'))).toBe(false);
    const unknownFlag = await cohort(['certs', 'clinic', '--dir', dir, '--clinic-id', 'va', '--bogus']);
    expect(unknownFlag).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cohort: unknown flag --bogus for cohort certs clinic\n\n  cohort certs clinic --dir DIR'),
    });
  });
});
