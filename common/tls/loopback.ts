import type * as grpc from '@grpc/grpc-js';
import { createCertificateAuthority, issueServerCertificate } from './certificates.js';
import { channelCredentials, type ServerTlsOptions } from './credentials.js';

/** TLS on loopback without files: a coordinator certificate and the credentials that trust it. */
export interface LoopbackTls {
  server: ServerTlsOptions;
  /** The throwaway CA's certificate (PEM): what HTTPS clients and spawned processes must trust. */
  caPem: string;
  /** Fresh channel credentials trusting only this run's CA. */
  credentials(): grpc.ChannelCredentials;
}

let shared: Promise<LoopbackTls> | undefined;

/**
 * A throwaway CA and a certificate for localhost, 127.0.0.1 and ::1, made once per process: how
 * simulations, benchmarks and tests run over TLS like a deployment does, with nothing on disk.
 */
export function loopbackTls(): Promise<LoopbackTls> {
  shared ??= (async () => {
    const ca = await createCertificateAuthority({ commonName: 'Cohort loopback CA', days: 2 });
    const server = await issueServerCertificate(ca, { days: 2 });
    return { server, caPem: ca.certPem, credentials: () => channelCredentials({ caPem: ca.certPem }) };
  })();
  return shared;
}
