/** TLS flags shared by the commands that serve or call the coordinator's gRPC. */
import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { channelCredentials, loadCaFile, loadTlsFiles, type ServerTlsOptions } from '../common/tls/index.js';
import { UsageError } from './flags.js';

export const TLS_FLAGS = {
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  insecure: { type: 'boolean' },
} as const;

export const SERVER_TLS_FLAGS = { ...TLS_FLAGS, mtls: { type: 'boolean' } } as const;

type TlsValues = { 'tls-ca'?: string; 'tls-cert'?: string; 'tls-key'?: string; insecure?: boolean };

export const CLIENT_TLS_USAGE = '(--tls-ca ca.pem [--tls-cert clinic.pem --tls-key clinic-key.pem] | --insecure)';
export const SERVER_TLS_USAGE = '(--tls-cert coordinator.pem --tls-key coordinator-key.pem [--tls-ca ca.pem --mtls] | --insecure)';

/** The coordinator's TLS from `cohort certs` files; null with `--insecure` (startCoordinator then warns). */
export function serverTls(values: TlsValues & { mtls?: boolean }): ServerTlsOptions | null {
  const files = values['tls-cert'] !== undefined || values['tls-key'] !== undefined;
  if (values.insecure) {
    if (files || values.mtls) throw new UsageError('--insecure serves plaintext: it cannot be combined with --tls-cert, --tls-key or --mtls');
    return null;
  }
  if (!values['tls-cert'] || !values['tls-key']) {
    throw new UsageError(`the coordinator serves clinics over TLS: ${SERVER_TLS_USAGE} (cohort certs init writes the files)`);
  }
  if (values.mtls && !values['tls-ca']) throw new UsageError("--mtls needs --tls-ca: the CA that issued the clinics' certificates");
  return { ...loadTlsFiles({ cert: values['tls-cert'], key: values['tls-key'], ca: values['tls-ca'] }), requireClientCertificate: values.mtls === true };
}

/** A clinic's channel credentials: trusting the consortium CA, presenting its own certificate under mutual TLS. */
export function clientCredentials(values: TlsValues): ChannelCredentials {
  if (values.insecure) {
    if (values['tls-ca'] || values['tls-cert'] || values['tls-key'])
      throw new UsageError('--insecure connects in plaintext: it cannot be combined with --tls-ca, --tls-cert or --tls-key');
    return grpcCredentials.createInsecure();
  }
  if (!values['tls-ca']) throw new UsageError(`calling the coordinator needs ${CLIENT_TLS_USAGE}`);
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
    throw new UsageError('a clinic certificate needs both --tls-cert and --tls-key');
  const caPem = loadCaFile(values['tls-ca']);
  if (values['tls-cert'] === undefined) return channelCredentials({ caPem });
  const { certPem, keyPem } = loadTlsFiles({ cert: values['tls-cert'], key: values['tls-key']! });
  return channelCredentials({ caPem, certPem, keyPem });
}
