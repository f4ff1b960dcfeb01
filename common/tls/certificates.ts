/**
 * Certificates for TLS between the coordinator and the clinics: a consortium CA, the coordinator's
 * server certificate and one client certificate per clinic (mutual TLS). Built with @peculiar/x509
 * on node's WebCrypto; every key is ECDSA P-256 and every signature ECDSA with SHA-256, which
 * grpc-js and node's TLS accept. Inputs and outputs are PEM strings (certificates, PKCS#8 keys).
 */
// tsyringe, which @peculiar/x509 uses internally, throws at import without a Reflect polyfill.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, type KeyObject, X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { clinicIdProblem } from '../clinic-id.js';

x509.cryptoProvider.set(webcrypto);

/** Bad input to a certificate function, or a CA that cannot issue: the message says which. */
export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateError';
  }
}

/** A certificate and its private key, both PEM (the key PKCS#8, unencrypted). */
export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export interface CertificateAuthorityOptions {
  /** Subject CN of the CA. Default 'Cohort consortium CA'. Letters, digits, spaces and . , - _ ( ) ' & : / @ + =, at most 64 characters. */
  commonName?: string;
  /** Validity in whole days from now. Default 3650. */
  days?: number;
}

export interface ServerCertificateOptions {
  /** Names clients connect to: DNS names (a leading `*.` is allowed) or IPv4/IPv6 addresses; the first is also the CN. Default DEFAULT_SERVER_HOSTS. */
  hosts?: string[];
  /** Validity in whole days from now, cut to the CA's own expiry. Default 825 (the longest macOS and iOS accept for a TLS server certificate). */
  days?: number;
}

export interface ClientCertificateOptions {
  /** The clinic's id, as in its keystore: 1-128 letters, digits, '.', '_' or '-'. Becomes the CN. */
  clinicId: string;
  /** Validity in whole days from now, cut to the CA's own expiry. Default 825. */
  days?: number;
}

/** Loopback under every spelling a local client may use. */
export const DEFAULT_SERVER_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const MAX_DAYS = 36_500;
const DAY_MS = 86_400_000;
// A certificate issued now must already be valid at a clinic whose clock is a little behind.
const BACKDATE_MS = 3_600_000;
// @peculiar/x509 mangles some characters in names (quotes, backslashes, a leading '#'), so only
// these are accepted; X.520 limits a CN to 64 characters.
const COMMON_NAME = /^[\p{L}\p{N}][\p{L}\p{N} .,\-_()'&:/@+=]{0,63}$/u;
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A self-signed CA: basicConstraints CA:true (critical), keyUsage keyCertSign and cRLSign, a subject key id. */
export async function createCertificateAuthority(options: CertificateAuthorityOptions = {}): Promise<CertificateAndKey> {
  const commonName = options.commonName ?? 'Cohort consortium CA';
  if (!COMMON_NAME.test(commonName)) {
    throw new CertificateError(
      `commonName "${commonName}" must be 1-64 letters, digits, spaces and . , - _ ( ) ' & : / @ + =, starting with a letter or digit`,
    );
  }
  const days = checkDays(options.days ?? 3650);
  const keys = await generateKeys();
  const name = [{ CN: [commonName] }];
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: name,
    issuer: name,
    notBefore,
    notAfter: new Date(notBefore.getTime() + BACKDATE_MS + days * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** The coordinator's certificate: SANs for every host, extendedKeyUsage serverAuth, CN the first host. */
export async function issueServerCertificate(ca: CertificateAndKey, options: ServerCertificateOptions = {}): Promise<CertificateAndKey> {
  const hosts = checkHosts(options.hosts ?? [...DEFAULT_SERVER_HOSTS]);
  const days = checkDays(options.days ?? 825);
  const san = new x509.SubjectAlternativeNameExtension(hosts.map((host) => ({ type: isIP(host) ? 'ip' : 'dns', value: host })));
  return issue(await loadAuthority(ca), hosts[0]!, days, x509.ExtendedKeyUsage.serverAuth, [san]);
}

/** A clinic's certificate for mutual TLS: CN the clinic id, extendedKeyUsage clientAuth. */
export async function issueClientCertificate(ca: CertificateAndKey, options: ClientCertificateOptions): Promise<CertificateAndKey> {
  const clinicId = options.clinicId;
  const problem = clinicIdProblem(clinicId);
  if (problem) throw new CertificateError(problem);
  const days = checkDays(options.days ?? 825);
  return issue(await loadAuthority(ca), clinicId, days, x509.ExtendedKeyUsage.clientAuth, []);
}

/** What `cohort certs show` prints about a certificate. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  /** Hexadecimal, as in the certificate. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** 'DNS:name' or 'IP:address', in certificate order. */
  subjectAltNames: string[];
  /** 'serverAuth', 'clientAuth', or the OID of any other purpose. */
  extendedKeyUsages: string[];
  /** SHA-256 of the DER encoding, colon-separated upper-case hex (as openssl and node print it). */
  sha256Fingerprint: string;
}

/** Every certificate in a PEM text (a bundle may hold several), described. */
export function describeCertificates(pem: string): CertificateSummary[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (!blocks) throw new CertificateError('no PEM certificate (-----BEGIN CERTIFICATE-----) found');
  return blocks.map((block) => {
    const cert = parseCertificate(block, 'the certificate');
    const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
    const purposes: Record<string, string> = { [x509.ExtendedKeyUsage.serverAuth]: 'serverAuth', [x509.ExtendedKeyUsage.clientAuth]: 'clientAuth' };
    const usages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
    return {
      subject: cert.subject,
      issuer: cert.issuer,
      serialNumber: cert.serialNumber,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
      isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
      subjectAltNames: names.map((name) => `${name.type === 'ip' ? 'IP' : name.type === 'dns' ? 'DNS' : name.type}:${name.value}`),
      extendedKeyUsages: usages.map((usage) => purposes[String(usage)] ?? String(usage)),
      sha256Fingerprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex').toUpperCase().match(/../g)!.join(':'),
    };
  });
}

// ---- internals ------------------------------------------------------------------------------------

interface Authority {
  cert: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
}

async function issue(ca: Authority, commonName: string, days: number, purpose: x509.ExtendedKeyUsage, extra: x509.Extension[]): Promise<CertificateAndKey> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  // A certificate outliving its CA would fail verification after the CA expires anyway.
  const notAfter = new Date(Math.min(notBefore.getTime() + BACKDATE_MS + days * DAY_MS, ca.cert.notAfter.getTime()));
  const caKeyId = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [commonName] }],
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([purpose]),
      ...extra,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId ? new x509.AuthorityKeyIdentifierExtension(caKeyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** The CA's certificate and signing key, after checking that they can issue. */
async function loadAuthority(ca: CertificateAndKey): Promise<Authority> {
  const cert = parseCertificate(ca.certPem, 'the CA certificate');
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) {
    throw new CertificateError(`the CA certificate (${cert.subject}) is not a CA: its basicConstraints do not say CA:true`);
  }
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new CertificateError(`the CA certificate (${cert.subject}) may not sign certificates: its keyUsage lacks keyCertSign`);
  }
  if (cert.notAfter.getTime() <= Date.now()) {
    throw new CertificateError(`the CA certificate (${cert.subject}) expired on ${cert.notAfter.toISOString()}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(ca.keyPem);
  } catch (error) {
    throw new CertificateError(`the CA key is not a PEM private key: ${(error as Error).message}`);
  }
  if (!new NodeX509Certificate(ca.certPem).checkPrivateKey(privateKey))
    throw new CertificateError(`the CA key does not belong to the CA certificate (${cert.subject})`);
  const [block] = x509.PemConverter.decodeWithHeaders(ca.keyPem);
  if (block?.type !== 'PRIVATE KEY')
    throw new CertificateError(`the CA key must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), got ${block ? `"${block.type}"` : 'no PEM block'}`);
  let signingKey: webcrypto.CryptoKey;
  try {
    signingKey = await webcrypto.subtle.importKey('pkcs8', block.rawData, KEY_ALGORITHM, false, ['sign']);
  } catch {
    throw new CertificateError('the CA key must be an ECDSA P-256 key (the kind createCertificateAuthority makes)');
  }
  return { cert, signingKey };
}

function parseCertificate(pem: string, what: string): x509.X509Certificate {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CertificateError(`${what} is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)`);
  }
  try {
    return new x509.X509Certificate(pem);
  } catch (error) {
    throw new CertificateError(`${what} does not parse: ${(error as Error).message}`);
  }
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new CertificateError(`days must be a whole number from 1 to ${MAX_DAYS}, got ${days}`);
  }
  return days;
}

/** Hosts trimmed, brackets dropped from IPv6 literals, duplicates removed; each one a DNS name or an IP address. */
function checkHosts(hosts: string[]): string[] {
  if (!Array.isArray(hosts) || hosts.length === 0) throw new CertificateError('hosts must name at least one DNS name or IP address');
  const seen = new Set<string>();
  const checked: string[] = [];
  for (const raw of hosts) {
    const host = String(raw)
      .trim()
      .replace(/^\[(.*)\]$/, '$1');
    if (!isIP(host) && !isDnsName(host)) {
      throw new CertificateError(
        `host "${raw}" is neither an IP address nor a DNS name (letters, digits and '-' in dot-separated labels, optionally starting with *.)`,
      );
    }
    const key = host.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    checked.push(host);
  }
  return checked;
}

function isDnsName(host: string): boolean {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  // An all-numeric name would read as a malformed IPv4 address.
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label)) && !/^[\d.]+$/.test(name);
}

function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** 16 random bytes with the top bit clear and the next set: positive and minimally DER-encoded (RFC 5280 4.1.2.2). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}
