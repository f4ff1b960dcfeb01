import * as grpc from '@grpc/grpc-js';
import type { SecureServerOptions } from 'node:http2';

/**
 * What a stranger may hold on the coordinator's gRPC port before it has proved who it is: how many
 * connections per source address, how many streams per connection, and how long a TLS handshake, a
 * call without its first message, and a connection without calls may last. Enrolled clinics stay
 * far inside every one of them. See docs/operations.md ("Limits for strangers").
 */
export interface ConnectionLimits {
  /** Most concurrent HTTP/2 streams (calls) on one connection (the SETTINGS_MAX_CONCURRENT_STREAMS it advertises). */
  maxStreamsPerConnection: number;
  /** Most TCP connections open at once from one source address; more are closed as soon as they are accepted. */
  maxConnectionsPerAddress: number;
  /** A call whose first message has not arrived this long after its headers ends with UNAUTHENTICATED. */
  firstMessageTimeoutMs: number;
  /** Most calls one source address may have waiting for their first message; one more ends at once with RESOURCE_EXHAUSTED. */
  maxPendingCallsPerAddress: number;
  /** A TLS handshake not finished this long after the connection was accepted is dropped. */
  handshakeTimeoutMs: number;
  /** A connection without any call for this long is closed (GOAWAY; clients reconnect when they next call). */
  idleConnectionTimeoutMs: number;
  /** The coordinator pings a connection after this long without a ping... */
  keepaliveTimeMs: number;
  /** ...and closes it when the ping is not answered within this. */
  keepaliveTimeoutMs: number;
}

/** An option's default and the bounds it is checked against (inclusive). */
interface Bound {
  default: number;
  min: number;
  max: number;
  unit: string;
}

const DAY_MS = 24 * 3600_000;

/**
 * Defaults and bounds. 512 streams: an in-process simulation's clinics share one connection (200
 * clinics hold a task stream and an upload each); 64 connections per address leave room for
 * clinics behind one NAT; 1024 calls waiting for their first message (about 8 KB each) are far more
 * than the clinics behind one address open at once. Timeouts stay below setTimeout's 2^31 - 1 ms.
 */
export const CONNECTION_LIMIT_BOUNDS: Readonly<Record<keyof ConnectionLimits, Bound>> = {
  maxStreamsPerConnection: { default: 512, min: 1, max: 65_535, unit: 'streams' },
  maxConnectionsPerAddress: { default: 64, min: 1, max: 65_535, unit: 'connections' },
  firstMessageTimeoutMs: { default: 10_000, min: 100, max: 600_000, unit: 'ms' },
  maxPendingCallsPerAddress: { default: 1024, min: 1, max: 1_000_000, unit: 'calls' },
  handshakeTimeoutMs: { default: 10_000, min: 100, max: 600_000, unit: 'ms' },
  idleConnectionTimeoutMs: { default: 120_000, min: 1_000, max: DAY_MS, unit: 'ms' },
  keepaliveTimeMs: { default: 60_000, min: 1_000, max: DAY_MS, unit: 'ms' },
  keepaliveTimeoutMs: { default: 20_000, min: 1_000, max: 600_000, unit: 'ms' },
};

/** The limits with every unset field at its default; a value that is no integer within its bounds is an error naming it. */
export function resolveConnectionLimits(given: Partial<Record<keyof ConnectionLimits, number | undefined>>): ConnectionLimits {
  const resolved = {} as ConnectionLimits;
  for (const [name, bound] of Object.entries(CONNECTION_LIMIT_BOUNDS) as [keyof ConnectionLimits, Bound][]) {
    const value = given[name] ?? bound.default;
    if (!Number.isInteger(value) || value < bound.min || value > bound.max) {
      throw new RangeError(`${name} must be an integer from ${bound.min} to ${bound.max} (${bound.unit}), got ${String(value)}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

/** grpc-js server options for the limits grpc-js enforces itself (per-connection streams, idleness, keepalive). */
export function grpcServerOptions(limits: ConnectionLimits): Record<string, number> {
  return {
    'grpc.max_concurrent_streams': limits.maxStreamsPerConnection,
    'grpc.max_connection_idle_ms': limits.idleConnectionTimeoutMs,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
  };
}

/**
 * `credentials` with Node's TLS `handshakeTimeout` set (Node's default is 120 s): grpc-js passes a
 * credential's constructor options to `http2.createSecureServer`, and has no option of its own for
 * it. Insecure credentials are returned as they are: without TLS there is no handshake to bound,
 * and a connection that never speaks HTTP/2 is closed by the idle timeout.
 */
export function withHandshakeTimeout(credentials: grpc.ServerCredentials, handshakeTimeoutMs: number): grpc.ServerCredentials {
  const constructorOptions = credentials._getConstructorOptions();
  if (!credentials._isSecure() || constructorOptions === null) return credentials;
  return new HandshakeBoundCredentials({ ...constructorOptions, handshakeTimeout: handshakeTimeoutMs }, credentials._getSecureContextOptions());
}

class HandshakeBoundCredentials extends grpc.ServerCredentials {
  constructor(constructorOptions: SecureServerOptions, contextOptions: ReturnType<grpc.ServerCredentials['_getSecureContextOptions']>) {
    super(constructorOptions, contextOptions ?? undefined);
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}
