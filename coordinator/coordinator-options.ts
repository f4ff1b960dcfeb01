import type { LogLevel } from '@nestjs/common';
import { DAY_MS, durationProblems, HOUR_MS, milliseconds, MINUTE_MS, SECOND_MS } from '../common/durations.js';
import type { ServerTlsOptions } from '../common/tls/index.js';
import type { Logger } from '../common/logging/logger.js';

/** How to run a coordinator. */
export interface CoordinatorOptions {
  /** Address both servers bind. Default `127.0.0.1` (loopback); use `0.0.0.0` to serve clinics elsewhere. */
  host?: string;
  /** gRPC port for clinic nodes. Default 50051; 0 picks a free port. */
  grpcPort?: number;
  /** HTTP port for people (health, studies). Default 8080; 0 picks a free port. */
  httpPort?: number;
  /** The browser console's built files, served under /console/ (GET / redirects there). Default `dist/console` in the package; null serves none. */
  consoleDir?: string | null;
  /**
   * Where the coordinator keeps its state. Default `.cohort/coordinator.sqlite`.
   * - A SQLite database file, or `:memory:`. Made private at start: missing directories 0700, the
   *   file and its `-wal`/`-shm` 0600 (an existing group- or world-writable directory is kept, with
   *   a warning).
   * - A PostgreSQL server: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, port 5432 by default,
   *   `?sslmode=verify-full` for TLS that checks the server's certificate (default `disable`).
   *   Characters such as `@`, `:` and `/` in the user or password are percent-encoded. The
   *   migrations create the tables in the database's default schema on first start.
   */
  database?: string;
  /**
   * PostgreSQL password when the `database` URL carries none, so it need not appear on a command
   * line. Default none: then the driver reads `PGPASSWORD`, as psql does. Ignored for SQLite.
   */
  databasePassword?: string | null;
  /** Largest chunk accepted or sent on a stream, in bytes. Default 1 MiB (grpc-js refuses messages over 4 MiB). */
  maxChunkBytes?: number;
  /** Nest log levels. Default log, warn, error. `false` silences the coordinator. */
  logLevels?: LogLevel[] | false;
  /**
   * Where the coordinator's log lines go (common/logging): pino, JSON lines or human lines. Default: a
   * logger on stdout, JSON unless stdout is a terminal, level info (`cohort coordinator --log-format`, `--log-level`).
   */
  logger?: Logger;
  /**
   * Bearer token `GET /metrics` requires. Default none: /metrics answers anyone who reaches the HTTP
   * port, as Prometheus expects (it names clinics, studies and their epsilons: set a token when the
   * port is reachable beyond the operators' network).
   */
  metricsToken?: string | null;
  /**
   * Bearer token for operator writes over HTTP (enrolling clinics). Default `COHORT_OPERATOR_TOKEN`,
   * else none: those endpoints then refuse every request.
   */
  operatorToken?: string | null;
  /**
   * Bearer token for auditors' read-only HTTP (privacy budgets and ledgers). Default
   * `COHORT_AUDITOR_TOKEN`, else none: the audit endpoints then refuse every request.
   */
  auditorToken?: string | null;
  /**
   * TLS for gRPC and HTTP: PEM certificate chain and key (`cohort certs init`), and the CA that
   * issues clinic certificates when clinics must present one (mutual TLS). Default none: then the
   * coordinator refuses to start unless `insecure` is set.
   */
  tls?: ServerTlsOptions | null;
  /** Serve plaintext gRPC and HTTP (a closed test network, a simulation on loopback); logs a warning. Default false. */
  insecure?: boolean;
  /** How far a signed call's timestamp may be from the coordinator's clock, in ms (1 s to 1 day); its nonce is kept as long. Default 300000 (5 minutes). */
  requestWindowMs?: number;
  /** Most calls one clinic may hold open at once; more are refused with RESOURCE_EXHAUSTED. Default 32. */
  maxCallsPerClinic?: number;
  /** How long an HTTP client may take to send a request's headers, in ms (1 s to 10 minutes); then the connection is closed. Default 10000. */
  httpHeadersTimeoutMs?: number;
  /** How long an HTTP client may take to send a whole request, in ms (1 s to 1 hour, at least the headers timeout). Default 30000. */
  httpRequestTimeoutMs?: number;
  /** How long an idle keep-alive HTTP connection stays open, in ms (0 to 10 minutes). Default 5000. */
  httpKeepAliveTimeoutMs?: number;

  // Limits for strangers: what anyone who can reach the gRPC port may hold before proving who it is
  // (coordinator/grpc/connection-limits.ts checks the bounds; docs/operations.md, "Limits for strangers").

  /**
   * Most concurrent calls (HTTP/2 streams) on one gRPC connection: the SETTINGS_MAX_CONCURRENT_STREAMS
   * the coordinator advertises; a client opening more is refused the extra streams. Default 512 (the
   * in-process clinics of a simulation share one connection); 1 to 65535.
   */
  maxStreamsPerConnection?: number;
  /**
   * Most gRPC connections open at once from one source address; one more is closed as soon as it is
   * accepted and the refusal is logged with the address. Default 64 (room for clinics behind one NAT);
   * 1 to 65535.
   */
  maxConnectionsPerAddress?: number;
  /**
   * How long a call may wait for its first message (the signed request) after its headers, in ms; then
   * it ends with UNAUTHENTICATED and its stream is freed. Default 10000; 100 to 600000.
   */
  firstMessageTimeoutMs?: number;
  /**
   * Most calls one source address may have waiting for their first message (not yet authenticated);
   * one more ends at once with RESOURCE_EXHAUSTED naming the address. Default 1024; 1 to 1000000.
   */
  maxPendingCallsPerAddress?: number;
  /** How long a TLS handshake may take from the moment the connection is accepted, in ms; then the connection is dropped. Default 10000; 100 to 600000. */
  handshakeTimeoutMs?: number;
  /**
   * A gRPC connection without any call for this long is closed (GOAWAY; a clinic reconnects when it next
   * calls), in ms. Default 120000; 1000 to 86400000 (a day).
   */
  idleConnectionTimeoutMs?: number;
  /** The coordinator pings a gRPC connection after this long without a ping, in ms (finds clinics that vanished mid-call). Default 60000; 1000 to 86400000. */
  keepaliveTimeMs?: number;
  /** A ping not answered within this many ms closes the connection. Default 20000; 1000 to 600000. */
  keepaliveTimeoutMs?: number;
}

export type ResolvedCoordinatorOptions = Required<CoordinatorOptions>;

export const COORDINATOR_OPTIONS = Symbol('COORDINATOR_OPTIONS');

/** The HTTP server's timeouts when the options leave them out. */
export const DEFAULT_HTTP_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 };

/** Every duration a coordinator accepts, with its bounds (common/durations.ts). */
export const COORDINATOR_DURATION_BOUNDS = {
  requestWindowMs: milliseconds(SECOND_MS, DAY_MS),
  httpHeadersTimeoutMs: milliseconds(SECOND_MS, 10 * MINUTE_MS),
  httpRequestTimeoutMs: milliseconds(SECOND_MS, HOUR_MS),
  httpKeepAliveTimeoutMs: milliseconds(0, 10 * MINUTE_MS),
};

/** Refuses coordinator options with a duration out of bounds, naming each. */
export function checkCoordinatorDurations(options: CoordinatorOptions): void {
  const problems = durationProblems({ ...options }, COORDINATOR_DURATION_BOUNDS);
  const { httpHeadersTimeoutMs: headers = DEFAULT_HTTP_TIMEOUTS.headersTimeoutMs, httpRequestTimeoutMs: request = DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs } =
    options;
  if (problems.length === 0 && headers > request)
    problems.push(`httpHeadersTimeoutMs (${headers}) must not exceed httpRequestTimeoutMs (${request}): the headers are part of the request`);
  if (problems.length > 0) throw new RangeError(`invalid coordinator options: ${problems.join('; ')}`);
}
