/**
 * TLS material at run time: PEM files read from disk and turned into grpc-js credentials, with
 * errors that name the file or the field at fault (grpc-js and node's TLS report a wrong file late
 * and vaguely, e.g. as a failed handshake).
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { CertificateError } from './certificates.js';

/** Paths of PEM files. */
export interface TlsFiles {
  /** This side's certificate (a bundle with intermediates after it is fine). */
  cert: string;
  /** Its private key. */
  key: string;
  /** The CA to trust for the peer: the consortium CA for a clinic; for a coordinator with mutual TLS, the CA of clinic certificates. */
  ca?: string;
}

/** The contents of TlsFiles. */
export interface TlsPem {
  certPem: string;
  keyPem: string;
  caPem?: string;
}

export interface ServerTlsOptions extends TlsPem {
  /** Mutual TLS: refuse clients without a certificate issued by `caPem` (then required). Default false. */
  requireClientCertificate?: boolean;
}

export interface ChannelTlsOptions {
  /** The CA that issued the coordinator's certificate; the only one trusted (not the system roots). */
  caPem: string;
  /** The clinic's certificate, for a coordinator that requires one (mutual TLS); with `keyPem`. */
  certPem?: string;
  /** Its private key; with `certPem`. */
  keyPem?: string;
}

/** Reads each file; a missing or unreadable file, or one holding no PEM of the right kind, is an error naming it. */
export function loadTlsFiles(files: TlsFiles): TlsPem {
  const certPem = readPem(files.cert, 'certificate', CERTIFICATE);
  const keyPem = readPem(files.key, 'private key', PRIVATE_KEY);
  return files.ca === undefined ? { certPem, keyPem } : { certPem, keyPem, caPem: loadCaFile(files.ca) };
}

/** Reads a CA certificate file (a clinic's `--tls-ca`), with the same errors naming the file. */
export function loadCaFile(path: string): string {
  return readPem(path, 'CA certificate', CERTIFICATE);
}

/** Server credentials for grpc-js; with `requireClientCertificate`, only clients holding a certificate from `caPem` get through. */
export function serverCredentials(options: ServerTlsOptions): grpc.ServerCredentials {
  const requireClientCertificate = options.requireClientCertificate ?? false;
  checkPair(options.certPem, options.keyPem, 'certPem', 'keyPem');
  if (requireClientCertificate && !options.caPem) {
    throw new CertificateError("requireClientCertificate needs caPem: the CA that issues the clients' certificates");
  }
  if (options.caPem !== undefined) checkPem(options.caPem, 'caPem', CERTIFICATE);
  // grpc-js uses `caPem` only to verify client certificates, so without mutual TLS it changes nothing.
  return grpc.ServerCredentials.createSsl(
    options.caPem === undefined ? null : Buffer.from(options.caPem),
    [{ cert_chain: Buffer.from(options.certPem), private_key: Buffer.from(options.keyPem) }],
    requireClientCertificate,
  );
}

/** Channel credentials for grpc-js that trust `caPem` alone, presenting `certPem`/`keyPem` when given (mutual TLS). */
export function channelCredentials(options: ChannelTlsOptions): grpc.ChannelCredentials {
  checkPem(options.caPem, 'caPem', CERTIFICATE);
  if ((options.certPem === undefined) !== (options.keyPem === undefined)) {
    throw new CertificateError('a client certificate needs both certPem and keyPem');
  }
  if (options.certPem !== undefined && options.keyPem !== undefined) checkPair(options.certPem, options.keyPem, 'certPem', 'keyPem');
  return withoutIpServerName(
    grpc.credentials.createSsl(
      Buffer.from(options.caPem),
      options.keyPem === undefined ? null : Buffer.from(options.keyPem),
      options.certPem === undefined ? null : Buffer.from(options.certPem),
    ),
  );
}

/**
 * grpc-js sets the TLS `servername` (SNI) to the target's host even when it is an IP address, which
 * Node refuses with a DEP0123 warning on every connection (RFC 6066 allows no IP in SNI). For an IP
 * target the name is left out: Node then checks the certificate against the connection's `host`,
 * the same IP, so verification is unchanged. grpc-js offers no option for this; its connector keeps
 * the options it will pass to `tls.connect` in `connectionOptions` (checked by the tests over TLS).
 */
function withoutIpServerName(credentials: grpc.ChannelCredentials): grpc.ChannelCredentials {
  const create = credentials._createSecureConnector.bind(credentials);
  credentials._createSecureConnector = (target, channelOptions, callCredentials) => {
    const connector = create(target, channelOptions, callCredentials);
    const tlsOptions = (connector as { connectionOptions?: { servername?: string } }).connectionOptions;
    if (tlsOptions?.servername !== undefined && isIP(tlsOptions.servername) !== 0) delete tlsOptions.servername;
    return connector;
  };
  return credentials;
}

// ---- internals ------------------------------------------------------------------------------------

const CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

function readPem(path: string, what: string, marker: RegExp): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : message;
    throw new CertificateError(`cannot read the TLS ${what} file ${path}: ${reason}`);
  }
  if (!marker.test(text)) throw new CertificateError(`the TLS ${what} file ${path} holds no PEM ${what}`);
  return text;
}

function checkPem(pem: string, field: string, marker: RegExp): void {
  if (typeof pem !== 'string' || !marker.test(pem)) {
    throw new CertificateError(`${field} is not a PEM ${marker === CERTIFICATE ? 'certificate' : 'private key'}`);
  }
}

/** The certificate parses, the key parses, and they belong together: caught here rather than as a failed bind or handshake. */
function checkPair(certPem: string, keyPem: string, certField: string, keyField: string): void {
  checkPem(certPem, certField, CERTIFICATE);
  checkPem(keyPem, keyField, PRIVATE_KEY);
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw new CertificateError(`${certField} does not parse: ${(error as Error).message}`);
  }
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new CertificateError(`${keyField} does not parse: ${(error as Error).message}`);
  }
  if (!cert.checkPrivateKey(key)) throw new CertificateError(`${keyField} is not the private key of ${certField} (${cert.subject.replace(/\n/g, ', ')})`);
}
