import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_CHUNK_BYTES } from '../common/chunk-stream.js';
import { freePort } from '../common/net.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../common/proto-options.js';
import { serverCredentials } from '../common/tls/index.js';
import { AppModule } from './app.module.js';
import { authenticationInterceptor, type CallGate } from './auth/grpc-authentication.js';
import { federationLimits, MessageLimits, tolerateUndecodableRequests } from './auth/message-limits.js';
import { RequestAuthenticator } from './auth/request-authenticator.js';
import { checkCoordinatorDurations, DEFAULT_HTTP_TIMEOUTS, type CoordinatorOptions, type ResolvedCoordinatorOptions } from './coordinator-options.js';
import { ConnectionGuard } from './grpc/connection-guard.js';
import { grpcServerOptions, resolveConnectionLimits, withHandshakeTimeout } from './grpc/connection-limits.js';
import { FederationService } from './federation/federation.service.js';
import { CONSOLE_BUILD_DIR, serveConsole } from './console/serve-console.js';
import { hardenHttp } from './http/http-hardening.js';
import { serveOpenApi } from './http/openapi.js';
import { preparePrivateDatabase } from './persistence/database-file.js';
import { isPostgresUrl, parsePostgresUrl } from './persistence/database-url.js';
import { KeysService } from './keys/keys.service.js';
import { ClinicApprovals } from './clinics/clinic-approvals.js';
import { createLogger } from '../common/logging/logger.js';
import { Readiness } from './health/readiness.js';
import { callObserver } from './observability/call-observer.js';
import { CoordinatorMetrics } from './observability/metrics.js';
import { PinoNestLogger } from './observability/nest-logger.js';
import { requestLogging } from './observability/request-context.js';

export interface RunningCoordinator {
  app: INestApplication;
  federation: FederationService;
  /** Clinic enrolment and study keys (for embedding: simulations enrol their clinics directly). */
  keys: KeysService;
  /** The operator's approvals of enrolled clinics' sites and record counts (for embedding, as `keys`). */
  approvals: ClinicApprovals;
  options: ResolvedCoordinatorOptions;
  /** `host:port` for clinic nodes. */
  grpcAddress: string;
  /** Base URL of the HTTP API. */
  httpUrl: string;
  /** gRPC connections open now from a source address (what `maxConnectionsPerAddress` caps). */
  connectionsFrom(address: string): number;
  close(): Promise<void>;
}

/** Boots the coordinator: one Nest app serving gRPC (nodes) and HTTP (people) over one database. */
export async function startCoordinator(options: CoordinatorOptions = {}): Promise<RunningCoordinator> {
  checkCoordinatorDurations(options);
  const host = options.host ?? '127.0.0.1';
  const resolved: ResolvedCoordinatorOptions = {
    host,
    grpcPort: options.grpcPort === 0 ? await freePort(host) : (options.grpcPort ?? 50051),
    httpPort: options.httpPort === 0 ? await freePort(host) : (options.httpPort ?? 8080),
    consoleDir: options.consoleDir === undefined ? CONSOLE_BUILD_DIR : options.consoleDir,
    database: options.database ?? '.cohort/coordinator.sqlite',
    databasePassword: options.databasePassword ?? null,
    maxChunkBytes: options.maxChunkBytes ?? DEFAULT_CHUNK_BYTES,
    logLevels: options.logLevels ?? ['log', 'warn', 'error'],
    logger: options.logger ?? createLogger(),
    metricsToken: options.metricsToken ?? null,
    operatorToken: options.operatorToken ?? process.env['COHORT_OPERATOR_TOKEN'] ?? null,
    auditorToken: options.auditorToken ?? process.env['COHORT_AUDITOR_TOKEN'] ?? null,
    tls: options.tls ?? null,
    insecure: options.insecure ?? false,
    requestWindowMs: options.requestWindowMs ?? 5 * 60_000,
    maxCallsPerClinic: options.maxCallsPerClinic ?? 32,
    httpHeadersTimeoutMs: options.httpHeadersTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs,
    httpRequestTimeoutMs: options.httpRequestTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs,
    httpKeepAliveTimeoutMs: options.httpKeepAliveTimeoutMs ?? DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs,
    ...resolveConnectionLimits(options),
  };
  const { tls } = resolved;
  if (!tls && !resolved.insecure) {
    throw new Error(
      'the coordinator serves clinics over TLS: give it a certificate and key (cohort certs init; --tls-cert, --tls-key), or start it with --insecure on a closed test network',
    );
  }
  if (resolved.operatorToken && resolved.operatorToken === resolved.auditorToken) {
    throw new Error('the operator and auditor tokens must differ: the token is what tells an auditor (read only) from the operator');
  }
  // A PostgreSQL URL is checked before Nest starts (a clear error, no connection retries); a SQLite file is made private.
  const databaseWarnings = isPostgresUrl(resolved.database) ? (parsePostgresUrl(resolved.database), []) : preparePrivateDatabase(resolved.database);
  const { logLevels } = resolved;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(resolved), {
    logger: logLevels === false ? false : new PinoNestLogger(resolved.logger, logLevels),
    abortOnError: false,
    ...(tls && { httpsOptions: { cert: tls.certPem, key: tls.keyPem } }),
  });
  hardenHttp(
    app,
    {
      headersTimeoutMs: resolved.httpHeadersTimeoutMs,
      requestTimeoutMs: resolved.httpRequestTimeoutMs,
      keepAliveTimeoutMs: resolved.httpKeepAliveTimeoutMs,
    },
    { tls: tls !== null },
  );
  serveConsole(app, resolved.consoleDir);
  serveOpenApi(app);
  const logger = resolved.logger.child({ context: 'Coordinator' });
  if (logLevels !== false) app.use(requestLogging(resolved.logger.child({ context: 'Http' })));
  const metrics = app.get(CoordinatorMetrics);
  const readiness = app.get(Readiness);
  for (const warning of databaseWarnings) new Logger('Coordinator').warn(warning);
  if (!tls)
    new Logger('Coordinator').warn('--insecure: gRPC and HTTP are plaintext; calls are still signed, but anyone on the network can read updates and tokens');
  // The interceptor exists before Nest resolves the services it needs; until then it answers UNAVAILABLE.
  let gate: CallGate | undefined;
  app.connectMicroservice<GrpcOptions>({
    transport: Transport.GRPC,
    options: {
      package: 'cohort.v1',
      protoPath: FEDERATION_PROTO,
      url: `${host}:${resolved.grpcPort}`,
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] },
      // Chunks are at most maxChunkBytes; leave room for the header fields around them.
      maxReceiveMessageLength: resolved.maxChunkBytes + 64 * 1024,
      maxSendMessageLength: resolved.maxChunkBytes + 64 * 1024,
      channelOptions: {
        ...grpcServerOptions(resolved),
        interceptors: [
          authenticationInterceptor(
            () => gate,
            {
              firstMessageTimeoutMs: resolved.firstMessageTimeoutMs,
              maxPendingCallsPerAddress: resolved.maxPendingCallsPerAddress,
            },
            callObserver(logLevels === false ? resolved.logger.child({}, { level: 'silent' }) : logger, metrics),
          ),
        ],
      } as GrpcOptions['options']['channelOptions'],
      // Bytes that are no protobuf request reach the interceptor, which refuses them as INVALID_ARGUMENT (not INTERNAL).
      onLoadPackageDefinition: (definition) => void tolerateUndecodableRequests(definition),
      ...(tls && { credentials: withHandshakeTimeout(serverCredentials(tls), resolved.handshakeTimeoutMs) }),
    },
  });
  gate = {
    authenticator: app.get(RequestAuthenticator),
    maxCallsPerClinic: resolved.maxCallsPerClinic,
    limits: new MessageLimits(federationLimits(resolved.maxChunkBytes)),
  };
  // Counts connections per address from the first one the gRPC server accepts.
  const guard = new ConnectionGuard(resolved.grpcPort, resolved.maxConnectionsPerAddress, {
    connectionRefused: () => metrics.connectionsRefused.inc(),
    handshakeRefused: () => metrics.handshakesRefused.inc(),
  });
  guard.start();
  try {
    await app.startAllMicroservices();
  } catch (error) {
    guard.stop();
    throw error;
  }
  readiness.grpcListening = true;
  await app.listen(resolved.httpPort, host);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    app,
    federation: app.get(FederationService),
    keys: app.get(KeysService),
    approvals: app.get(ClinicApprovals),
    options: resolved,
    grpcAddress: `${urlHost}:${resolved.grpcPort}`,
    httpUrl: `${tls ? 'https' : 'http'}://${urlHost}:${resolved.httpPort}`,
    connectionsFrom: (address) => guard.connectionsFrom(address),
    close: async () => {
      readiness.closing = true;
      // A console's live stream ends as the app closes (LiveStreams), after the server last looked for
      // idle connections: close those as they go idle rather than wait out their keep-alive.
      const server = app.getHttpServer() as Server;
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        guard.stop();
      }
    },
  };
}
