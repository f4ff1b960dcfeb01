/**
 * TLS for the coordinator's gRPC and HTTPS, optionally mutual: a consortium CA, the coordinator's
 * server certificate, one client certificate per clinic (certificates.ts, on @peculiar/x509), and
 * grpc-js credentials from the PEM files (credentials.ts). `cohort certs` writes the files.
 *
 * @example
 * const ca = await createCertificateAuthority();
 * const server = await issueServerCertificate(ca, { hosts: ['coordinator.example', '10.0.0.5'] });
 * const clinic = await issueClientCertificate(ca, { clinicId: 'cleveland' });
 * // coordinator: mutual TLS, only clinics holding a certificate from the CA get through
 * grpcServer.bindAsync('0.0.0.0:50051', serverCredentials({ ...server, caPem: ca.certPem, requireClientCertificate: true }), done);
 * // clinic: trusts the consortium CA only, presents its own certificate
 * const credentials = channelCredentials({ caPem: ca.certPem, ...clinic });
 * // at run time, from the files `cohort certs` wrote
 * const files = loadTlsFiles({ cert: 'certs/coordinator.pem', key: 'certs/coordinator-key.pem', ca: 'certs/ca.pem' });
 */
export {
  CertificateError,
  createCertificateAuthority,
  DEFAULT_SERVER_HOSTS,
  describeCertificates,
  issueClientCertificate,
  issueServerCertificate,
  type CertificateAndKey,
  type CertificateAuthorityOptions,
  type CertificateSummary,
  type ClientCertificateOptions,
  type ServerCertificateOptions,
} from './certificates.js';
export {
  channelCredentials,
  loadCaFile,
  loadTlsFiles,
  serverCredentials,
  type ChannelTlsOptions,
  type ServerTlsOptions,
  type TlsFiles,
  type TlsPem,
} from './credentials.js';
