import { describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { CONNECTION_LIMIT_BOUNDS, grpcServerOptions, resolveConnectionLimits, withHandshakeTimeout } from './connection-limits.js';

describe('connection limits', () => {
  it('fills every unset limit with its default', () => {
    expect(resolveConnectionLimits({})).toEqual({
      maxStreamsPerConnection: 512,
      maxConnectionsPerAddress: 64,
      firstMessageTimeoutMs: 10_000,
      maxPendingCallsPerAddress: 1024,
      handshakeTimeoutMs: 10_000,
      idleConnectionTimeoutMs: 120_000,
      keepaliveTimeMs: 60_000,
      keepaliveTimeoutMs: 20_000,
    });
    expect(resolveConnectionLimits({ maxStreamsPerConnection: 8, firstMessageTimeoutMs: undefined })).toMatchObject({
      maxStreamsPerConnection: 8,
      firstMessageTimeoutMs: 10_000,
    });
  });

  it('takes each bound itself and refuses one past it, or a fraction, naming the option', () => {
    for (const [name, { min, max }] of Object.entries(CONNECTION_LIMIT_BOUNDS)) {
      expect(resolveConnectionLimits({ [name]: min })[name as keyof typeof CONNECTION_LIMIT_BOUNDS]).toBe(min);
      expect(resolveConnectionLimits({ [name]: max })[name as keyof typeof CONNECTION_LIMIT_BOUNDS]).toBe(max);
      expect(() => resolveConnectionLimits({ [name]: min - 1 })).toThrow(`${name} must be an integer from ${min} to ${max}`);
      expect(() => resolveConnectionLimits({ [name]: max + 1 })).toThrow(`${name} must be an integer from ${min} to ${max}`);
      expect(() => resolveConnectionLimits({ [name]: min + 0.5 })).toThrow(`got ${min + 0.5}`);
    }
    expect(() => resolveConnectionLimits({ firstMessageTimeoutMs: Number.NaN })).toThrow(
      'firstMessageTimeoutMs must be an integer from 100 to 600000 (ms), got NaN',
    );
  });

  it('hands grpc-js the limits it enforces itself', () => {
    const limits = resolveConnectionLimits({ maxStreamsPerConnection: 7, idleConnectionTimeoutMs: 5000 });
    expect(grpcServerOptions(limits)).toEqual({
      'grpc.max_concurrent_streams': 7,
      'grpc.max_connection_idle_ms': 5000,
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
    });
  });

  it('adds the TLS handshake timeout to secure credentials and leaves insecure ones alone', () => {
    const insecure = grpc.ServerCredentials.createInsecure();
    expect(withHandshakeTimeout(insecure, 500)).toBe(insecure);
    const secure = grpc.ServerCredentials.createSsl(null, [], false);
    const bounded = withHandshakeTimeout(secure, 500);
    expect(bounded._isSecure()).toBe(true);
    expect(bounded._getConstructorOptions()).toEqual({ ...secure._getConstructorOptions(), handshakeTimeout: 500 });
    expect(bounded._getSecureContextOptions()).toEqual(secure._getSecureContextOptions());
  });
});
