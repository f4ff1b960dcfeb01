import { describe, expect, it } from '@jest/globals';
import { UsageError } from './flags.js';
import { grpcLimitsFromFlags } from './limit-flags.js';

describe('cohort coordinator limit flags', () => {
  it('sets the options the flags name and leaves the others to the defaults', () => {
    expect(grpcLimitsFromFlags({})).toEqual({});
    expect(grpcLimitsFromFlags({ 'max-connections-per-address': '8', 'first-message-timeout-ms': '2500', 'idle-connection-timeout-ms': '1000' })).toEqual({
      maxConnectionsPerAddress: 8,
      firstMessageTimeoutMs: 2500,
      idleConnectionTimeoutMs: 1000,
    });
    expect(grpcLimitsFromFlags({ 'max-streams-per-connection': '100', 'handshake-timeout-ms': '100' })).toEqual({
      maxStreamsPerConnection: 100,
      handshakeTimeoutMs: 100,
    });
  });

  it('refuses a value that is no integer within bounds, naming the flag', () => {
    expect(() => grpcLimitsFromFlags({ 'max-streams-per-connection': '0' })).toThrow(
      new UsageError('--max-streams-per-connection must be an integer from 1 to 65535 (streams), got "0"'),
    );
    expect(() => grpcLimitsFromFlags({ 'first-message-timeout-ms': '10s' })).toThrow(
      '--first-message-timeout-ms must be an integer from 100 to 600000 (ms), got "10s"',
    );
    expect(() => grpcLimitsFromFlags({ 'handshake-timeout-ms': '' })).toThrow('--handshake-timeout-ms must be an integer');
    expect(() => grpcLimitsFromFlags({ 'max-connections-per-address': '1.5' })).toThrow('got "1.5"');
  });
});
