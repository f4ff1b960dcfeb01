import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CertificateError,
  channelCredentials,
  createCertificateAuthority,
  describeCertificates,
  issueClientCertificate,
  issueServerCertificate,
  loadTlsFiles,
  serverCredentials,
  type CertificateAndKey,
} from './index.js';

let ca: CertificateAndKey;
let otherCa: CertificateAndKey;
let server: CertificateAndKey;
let client: CertificateAndKey;
let strangerClient: CertificateAndKey;

beforeAll(async () => {
  ca = await createCertificateAuthority();
  otherCa = await createCertificateAuthority({ commonName: 'Some other CA', days: 30 });
  server = await issueServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
  client = await issueClientCertificate(ca, { clinicId: 'cleveland' });
  strangerClient = await issueClientCertificate(otherCa, { clinicId: 'cleveland' });
});

const DAY_MS = 86_400_000;

describe('certificates', () => {
  it('makes a self-signed CA: CA:true critical, keyCertSign and cRLSign, a subject key id, 3650 days', async () => {
    const cert = new x509.X509Certificate(ca.certPem);
    expect(cert.subject).toBe('CN=Cohort consortium CA');
    expect(cert.issuer).toBe(cert.subject);
    expect(await cert.isSelfSigned()).toBe(true);
    const constraints = cert.getExtension(x509.BasicConstraintsExtension)!;
    expect({ ca: constraints.ca, critical: constraints.critical }).toEqual({ ca: true, critical: true });
    expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    // Backdated an hour against clock skew, then 3650 days.
    expect(cert.notAfter.getTime() - Date.now()).toBeGreaterThan(3650 * DAY_MS - 60_000);
    expect(cert.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(3650 * DAY_MS);
    expect(Date.now() - cert.notBefore.getTime()).toBeGreaterThan(3_500_000);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n?$/);
  });

  it('issues a server certificate with DNS and IP SANs and serverAuth, chaining to the CA', async () => {
    const cert = new x509.X509Certificate(server.certPem);
    const caCert = new x509.X509Certificate(ca.certPem);
    expect(cert.subject).toBe('CN=localhost');
    expect(cert.issuer).toBe('CN=Cohort consortium CA');
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)!.names.toJSON()).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.serverAuth]);
    expect(cert.getExtension(x509.BasicConstraintsExtension)!.ca).toBe(false);
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId).toBe(caCert.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId);
    expect(await cert.verify({ publicKey: caCert.publicKey, date: new Date() })).toBe(true);
    expect(await cert.verify({ publicKey: new x509.X509Certificate(otherCa.certPem).publicKey })).toBe(false);
    expect(Math.round((cert.notAfter.getTime() - cert.notBefore.getTime()) / DAY_MS)).toBe(825);
    // node's own parser (OpenSSL) reads it the same way.
    const parsed = new NodeX509Certificate(server.certPem);
    expect(parsed.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(parsed.checkIssued(new NodeX509Certificate(ca.certPem))).toBe(true);
    expect(parsed.verify(new NodeX509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(parsed.ca).toBe(false);
    expect(new NodeX509Certificate(ca.certPem).ca).toBe(true);
  });

  it('issues a client certificate with the clinic id as CN and clientAuth', async () => {
    const cert = new x509.X509Certificate(client.certPem);
    expect(cert.subject).toBe('CN=cleveland');
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual([x509.ExtendedKeyUsage.clientAuth]);
    expect(cert.getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
    expect(await cert.verify({ publicKey: new x509.X509Certificate(ca.certPem).publicKey })).toBe(true);
  });

  it('defaults to the loopback names, detects IPv6, drops duplicates and brackets', async () => {
    const defaults = describeCertificates((await issueServerCertificate(ca)).certPem)[0]!;
    expect(defaults.subjectAltNames).toEqual(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
    const mixed = describeCertificates(
      (await issueServerCertificate(ca, { hosts: ['Coordinator.example', '[fd00::5]', '10.0.0.5', 'coordinator.EXAMPLE', '*.clinics.example'] })).certPem,
    )[0]!;
    expect(mixed.subjectAltNames).toEqual(['DNS:Coordinator.example', 'IP:fd00::5', 'IP:10.0.0.5', 'DNS:*.clinics.example']);
    expect(mixed.subject).toBe('CN=Coordinator.example');
  });

  it('gives every certificate a fresh positive serial', async () => {
    const serials = [ca, otherCa, server, client, strangerClient].map((pair) => new x509.X509Certificate(pair.certPem).serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
    for (const serial of serials) {
      expect(serial).toMatch(/^[0-9a-f]{32}$/);
      expect(parseInt(serial.slice(0, 2), 16)).toBeGreaterThanOrEqual(0x40);
      expect(parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
    }
  });

  it("cuts a certificate that would outlive its CA to the CA's expiry", async () => {
    const shortCa = await createCertificateAuthority({ days: 10 });
    const leaf = await issueClientCertificate(shortCa, { clinicId: 'va', days: 825 });
    expect(new x509.X509Certificate(leaf.certPem).notAfter).toEqual(new x509.X509Certificate(shortCa.certPem).notAfter);
  });

  it('describes a certificate as `cohort certs show` prints it, fingerprint as openssl and node compute it', () => {
    const [summary] = describeCertificates(server.certPem);
    expect(summary).toMatchObject({
      subject: 'CN=localhost',
      issuer: 'CN=Cohort consortium CA',
      isCa: false,
      subjectAltNames: ['DNS:localhost', 'IP:127.0.0.1'],
      extendedKeyUsages: ['serverAuth'],
      sha256Fingerprint: new NodeX509Certificate(server.certPem).fingerprint256,
    });
    const bundle = describeCertificates(`${client.certPem}\n${ca.certPem}`);
    expect(bundle.map((s) => [s.subject, s.isCa, s.extendedKeyUsages])).toEqual([
      ['CN=cleveland', false, ['clientAuth']],
      ['CN=Cohort consortium CA', true, []],
    ]);
  });
});

describe('certificate errors', () => {
  const refusedWith = async (promise: Promise<unknown>, message: string | RegExp) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CertificateError);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  };

  it('refuses bad days, names, hosts and clinic ids', async () => {
    await refusedWith(createCertificateAuthority({ days: 0 }), 'days must be a whole number from 1 to 36500, got 0');
    await refusedWith(issueServerCertificate(ca, { days: 1.5 }), 'days must be a whole number from 1 to 36500, got 1.5');
    await refusedWith(issueClientCertificate(ca, { clinicId: 'va', days: Number.NaN }), 'days must be a whole number from 1 to 36500, got NaN');
    await refusedWith(
      createCertificateAuthority({ commonName: 'The "best" CA' }),
      `commonName "The "best" CA" must be 1-64 letters, digits, spaces and . , - _ ( ) ' & : / @ + =, starting with a letter or digit`,
    );
    await refusedWith(issueServerCertificate(ca, { hosts: [] }), 'hosts must name at least one DNS name or IP address');
    await refusedWith(
      issueServerCertificate(ca, { hosts: ['localhost', 'bad host'] }),
      `host "bad host" is neither an IP address nor a DNS name (letters, digits and '-' in dot-separated labels, optionally starting with *.)`,
    );
    await refusedWith(issueServerCertificate(ca, { hosts: ['300.1.2.3'] }), /^host "300\.1\.2\.3" is neither/);
    await refusedWith(issueServerCertificate(ca, { hosts: ['https://coordinator.example'] }), /^host "https:\/\/coordinator\.example" is neither/);
    await refusedWith(issueClientCertificate(ca, { clinicId: 'St Mary' }), `clinic id "St Mary" must be 1-128 letters, digits, '.', '_' or '-'`);
  });

  it('refuses a CA that does not parse, is not a CA, has the wrong key or has expired', async () => {
    await refusedWith(
      issueServerCertificate({ certPem: 'not a certificate', keyPem: ca.keyPem }),
      'the CA certificate is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)',
    );
    const garbled = ca.certPem.replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
    await refusedWith(issueServerCertificate({ certPem: garbled, keyPem: ca.keyPem }), /^the CA certificate does not parse: /);
    await refusedWith(
      issueClientCertificate(server, { clinicId: 'va' }),
      'the CA certificate (CN=localhost) is not a CA: its basicConstraints do not say CA:true',
    );
    await refusedWith(
      issueClientCertificate({ certPem: ca.certPem, keyPem: otherCa.keyPem }, { clinicId: 'va' }),
      'the CA key does not belong to the CA certificate (CN=Cohort consortium CA)',
    );
    await refusedWith(issueClientCertificate({ certPem: ca.certPem, keyPem: 'nope' }, { clinicId: 'va' }), /^the CA key is not a PEM private key: /);

    // An expired CA, made directly with the library since createCertificateAuthority only makes current ones.
    const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
    const expired = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=Old CA',
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const expiredKey = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
    await refusedWith(
      issueClientCertificate({ certPem: expired.toString('pem'), keyPem: expiredKey }, { clinicId: 'va' }),
      'the CA certificate (CN=Old CA) expired on 2021-01-01T00:00:00.000Z',
    );
  });

  it('refuses credentials that cannot work, naming the field', () => {
    expect(() => serverCredentials({ ...server, requireClientCertificate: true })).toThrow(
      new CertificateError("requireClientCertificate needs caPem: the CA that issues the clients' certificates"),
    );
    expect(() => serverCredentials({ certPem: server.certPem, keyPem: client.keyPem })).toThrow(
      new CertificateError('keyPem is not the private key of certPem (CN=localhost)'),
    );
    expect(() => serverCredentials({ certPem: server.keyPem, keyPem: server.keyPem })).toThrow(new CertificateError('certPem is not a PEM certificate'));
    expect(() => channelCredentials({ caPem: ca.certPem, certPem: client.certPem })).toThrow(
      new CertificateError('a client certificate needs both certPem and keyPem'),
    );
    expect(() => channelCredentials({ caPem: '' })).toThrow(new CertificateError('caPem is not a PEM certificate'));
  });

  it('loads TLS files, naming a file that is missing or holds the wrong thing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-tls-'));
    try {
      const path = (name: string) => join(dir, name);
      writeFileSync(path('server.pem'), server.certPem);
      writeFileSync(path('server-key.pem'), server.keyPem);
      writeFileSync(path('ca.pem'), ca.certPem);
      expect(loadTlsFiles({ cert: path('server.pem'), key: path('server-key.pem'), ca: path('ca.pem') })).toEqual({
        certPem: server.certPem,
        keyPem: server.keyPem,
        caPem: ca.certPem,
      });
      expect(loadTlsFiles({ cert: path('server.pem'), key: path('server-key.pem') })).toEqual({ certPem: server.certPem, keyPem: server.keyPem });
      expect(() => loadTlsFiles({ cert: path('server.pem'), key: path('missing-key.pem') })).toThrow(
        new CertificateError(`cannot read the TLS private key file ${path('missing-key.pem')}: no such file`),
      );
      expect(() => loadTlsFiles({ cert: path('server-key.pem'), key: path('server-key.pem') })).toThrow(
        new CertificateError(`the TLS certificate file ${path('server-key.pem')} holds no PEM certificate`),
      );
      expect(() => loadTlsFiles({ cert: path('server.pem'), key: path('server-key.pem'), ca: dir })).toThrow(
        new CertificateError(`cannot read the TLS CA certificate file ${dir}: it is a directory`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- real handshakes over loopback ---------------------------------------------------------------

/** One unary method with raw bytes in and out; the reply names the client certificate the server saw. */
const WHO_AM_I: grpc.ServiceDefinition = {
  whoAmI: {
    path: '/cohort.test.Tls/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

const servers: grpc.Server[] = [];

async function startServer(credentials: grpc.ServerCredentials): Promise<string> {
  const grpcServer = new grpc.Server();
  grpcServer.addService(WHO_AM_I, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const peer = call.getAuthContext()?.sslPeerCertificate;
      callback(null, Buffer.from(peer?.subject?.CN ? `CN=${peer.subject.CN}` : 'no client certificate'));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  servers.push(grpcServer);
  return `127.0.0.1:${port}`;
}

type Outcome = { reply: string } | { code: grpc.status; details: string };

function call(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}): Promise<Outcome> {
  const grpcClient = new grpc.Client(address, credentials, options);
  return new Promise<Outcome>((resolve) => {
    grpcClient.makeUnaryRequest(
      WHO_AM_I['whoAmI']!.path,
      (value: Buffer) => value,
      (bytes: Buffer) => bytes,
      Buffer.from('hello'),
      { deadline: Date.now() + 10_000 },
      (error, reply) => resolve(error ? { code: error.code, details: error.details } : { reply: reply!.toString() }),
    );
  }).finally(() => grpcClient.close());
}

/** A refused connection: UNAVAILABLE, not a timeout (which would also pass for a server that never answered). */
const REFUSED = { code: grpc.status.UNAVAILABLE, details: expect.any(String) };
/** Refused, for the reason given (where grpc-js passes node's TLS error on rather than "Failed to connect"). */
const refused = (reason: RegExp) => ({ code: grpc.status.UNAVAILABLE, details: expect.stringMatching(reason) });

describe('TLS handshakes with grpc-js', () => {
  let tlsAddress: string;
  let mutualAddress: string;
  let elsewhereAddress: string;

  beforeAll(async () => {
    tlsAddress = await startServer(serverCredentials(server));
    mutualAddress = await startServer(serverCredentials({ ...server, caPem: ca.certPem, requireClientCertificate: true }));
    elsewhereAddress = await startServer(serverCredentials(await issueServerCertificate(ca, { hosts: ['coordinator.example'] })));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.tryShutdown(() => resolve()))));
  });

  it('a client trusting the CA gets through; a plaintext client and one trusting another CA do not', async () => {
    expect(await call(tlsAddress, channelCredentials({ caPem: ca.certPem }))).toEqual({ reply: 'no client certificate' });
    expect(await call(tlsAddress, grpc.credentials.createInsecure())).toEqual(REFUSED);
    expect(await call(tlsAddress, channelCredentials({ caPem: otherCa.certPem }))).toEqual(refused(/unable to verify the first certificate/));
  });

  it('checks the name the client dialled against the SANs', async () => {
    // The DNS SAN: dial 127.0.0.1 but verify as localhost.
    expect(await call(tlsAddress, channelCredentials({ caPem: ca.certPem }), { 'grpc.ssl_target_name_override': 'localhost' })).toEqual({
      reply: 'no client certificate',
    });
    // A certificate for coordinator.example is no good for 127.0.0.1...
    expect(await call(elsewhereAddress, channelCredentials({ caPem: ca.certPem }))).toEqual(refused(/ERR_TLS_CERT_ALTNAME_INVALID/));
    // ...but is for coordinator.example.
    expect(await call(elsewhereAddress, channelCredentials({ caPem: ca.certPem }), { 'grpc.ssl_target_name_override': 'coordinator.example' })).toEqual({
      reply: 'no client certificate',
    });
  });

  it('mutual TLS: only a client certificate from the CA gets through, and the server sees the clinic id', async () => {
    expect(await call(mutualAddress, channelCredentials({ caPem: ca.certPem, ...client }))).toEqual({ reply: 'CN=cleveland' });
    expect(await call(mutualAddress, channelCredentials({ caPem: ca.certPem }))).toEqual(refused(/certificate required/));
    expect(await call(mutualAddress, channelCredentials({ caPem: ca.certPem, ...strangerClient }))).toEqual(REFUSED);
    expect(await call(mutualAddress, grpc.credentials.createInsecure())).toEqual(REFUSED);
  });

  it('during a CA rotation a bundle of both CAs is trusted on either side', async () => {
    const bundle = `${otherCa.certPem}\n${ca.certPem}`;
    expect(await call(tlsAddress, channelCredentials({ caPem: bundle }))).toEqual({ reply: 'no client certificate' });
    const bothCas = await startServer(serverCredentials({ ...server, caPem: bundle, requireClientCertificate: true }));
    expect(await call(bothCas, channelCredentials({ caPem: ca.certPem, ...client }))).toEqual({ reply: 'CN=cleveland' });
    expect(await call(bothCas, channelCredentials({ caPem: ca.certPem, ...strangerClient }))).toEqual({ reply: 'CN=cleveland' });
  });
});
