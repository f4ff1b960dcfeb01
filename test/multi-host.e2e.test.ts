import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { createCertificateAuthority, issueServerCertificate } from '../common/tls/index.js';
import { cardToJson } from '../crypto/index.js';
import { DATA_DIR } from './support/data-dir.js';
import { approvalFlags } from './support/approvals.js';

/**
 * The coordinator and the clinics on two "hosts": network namespaces joined by a veth pair, each
 * with its own loopback and address. The coordinator binds its namespace's address only, so every
 * byte crosses the veth link, under TLS whose certificate names that address. Needs CAP_NET_ADMIN
 * (root); elsewhere the suite skips and says why.
 */
const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'cohort.js');
const tag = `${process.pid % 100000}`;
const NS = { coordinator: `cohort-c${tag}`, clinics: `cohort-k${tag}` };
const VETH = { coordinator: `vc${tag}`, clinics: `vk${tag}` };
const ADDRESS = { coordinator: '10.213.7.1', clinics: '10.213.7.2' };
const GRPC_PORT = 50551;
const HTTP_PORT = 50552;
const OPERATOR = 'multi-host-operator';
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];

function ip(...args: string[]): { ok: boolean; error: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: result.status === 0, error: (result.stderr || result.error?.message || '').trim() };
}

/** Creates both namespaces and the link; the reason it cannot, or null. */
function createHosts(): string | null {
  const probe = ip('netns', 'add', NS.coordinator);
  if (!probe.ok) return `cannot create network namespaces (${probe.error || 'ip failed'}): run as root or with CAP_NET_ADMIN`;
  const steps = [
    ['netns', 'add', NS.clinics],
    ['link', 'add', VETH.coordinator, 'type', 'veth', 'peer', 'name', VETH.clinics],
    ['link', 'set', VETH.coordinator, 'netns', NS.coordinator],
    ['link', 'set', VETH.clinics, 'netns', NS.clinics],
    ['-n', NS.coordinator, 'addr', 'add', `${ADDRESS.coordinator}/24`, 'dev', VETH.coordinator],
    ['-n', NS.clinics, 'addr', 'add', `${ADDRESS.clinics}/24`, 'dev', VETH.clinics],
    ['-n', NS.coordinator, 'link', 'set', VETH.coordinator, 'up'],
    ['-n', NS.clinics, 'link', 'set', VETH.clinics, 'up'],
    ['-n', NS.coordinator, 'link', 'set', 'lo', 'up'],
    ['-n', NS.clinics, 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) {
    const result = ip(...step);
    if (!result.ok) return `ip ${step.join(' ')} failed: ${result.error}`;
  }
  return null;
}

function removeHosts(): void {
  // Deleting a namespace deletes the veth end inside it, and with it the pair.
  ip('netns', 'del', NS.coordinator);
  ip('netns', 'del', NS.clinics);
}

const children: ChildProcess[] = [];

/** `cohort ...` inside a namespace, on the Node that runs this test. */
function cohortIn(ns: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, COHORT_DATA_DIR: DATA_DIR, ...env },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(condition: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; output so far:\n${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const unavailable = createHosts();
if (unavailable) {
  removeHosts();
  console.warn(`multi-host test skipped: ${unavailable}`);
}
const maybe = unavailable ? describe.skip : describe;

maybe('coordinator and clinics on two hosts (network namespaces joined by veth)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-multi-host-'));
    const ca = await createCertificateAuthority({ days: 1 });
    const server = await issueServerCertificate(ca, { hosts: [ADDRESS.coordinator], days: 1 });
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'coordinator.pem'), server.certPem);
    writeFileSync(join(dir, 'coordinator-key.pem'), server.keyPem, { mode: 0o600 });
  });

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    removeHosts();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrols four clinics over HTTPS and completes a study over TLS across the link', async () => {
    const coordinator = cohortIn(NS.coordinator, [
      'coordinator',
      '--host',
      ADDRESS.coordinator,
      '--grpc-port',
      String(GRPC_PORT),
      '--http-port',
      String(HTTP_PORT),
      '--db',
      join(dir, 'coordinator.sqlite'),
      '--operator-token',
      OPERATOR,
      '--tls-cert',
      join(dir, 'coordinator.pem'),
      '--tls-key',
      join(dir, 'coordinator-key.pem'),
      '--dataset',
      'fed-heart-disease',
      '--rounds',
      '2',
      '--min-clinics',
      '4',
      '--round-timeout',
      '120',
    ]);
    await until(() => /study [0-9a-f-]{36}/.test(coordinator.output()), coordinator.output);
    expect(coordinator.output()).toContain(`gRPC ${ADDRESS.coordinator}:${GRPC_PORT}, HTTP https://${ADDRESS.coordinator}:${HTTP_PORT}`);

    const url = `https://${ADDRESS.coordinator}:${HTTP_PORT}`;
    const tlsEnv = { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') };
    for (const site of SITES) {
      const keystore = Keystore.create(join(dir, 'keys', site), site);
      writeFileSync(join(dir, `${site}.card.json`), JSON.stringify(cardToJson(keystore.card)));
      const enrol = cohortIn(
        NS.clinics,
        ['clinic', 'enrol', '--coordinator-url', url, '--card', join(dir, `${site}.card.json`), '--operator-token', OPERATOR, ...(await approvalFlags(site))],
        tlsEnv,
      );
      expect({ code: await enrol.exited, output: enrol.output() }).toEqual({ code: 0, output: expect.stringContaining(`enrolled ${site}, fingerprint`) });
    }

    const nodes = SITES.map((site) =>
      cohortIn(NS.clinics, [
        'node',
        '--coordinator',
        `${ADDRESS.coordinator}:${GRPC_PORT}`,
        '--keystore',
        join(dir, 'keys', site),
        '--site',
        site,
        '--tls-ca',
        join(dir, 'ca.pem'),
        '--exit-when-done',
      ]),
    );
    const codes = await Promise.all(nodes.map((n) => n.exited));
    expect({ codes, output: codes.some((c) => c !== 0) ? nodes.map((n) => n.output()).join('\n') : '' }).toEqual({ codes: [0, 0, 0, 0], output: '' });
    for (const [i, site] of SITES.entries()) expect(nodes[i]!.output()).toContain(`${site}: round 2 trained`);
    expect(nodes[0]!.output()).toContain('study completed');

    coordinator.child.kill('SIGTERM');
    expect(await coordinator.exited).toBe(0);
  });
});
