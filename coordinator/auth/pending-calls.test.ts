import { describe, expect, it } from '@jest/globals';
import { addressOf, PendingCalls } from './pending-calls.js';

describe('calls waiting for their first message', () => {
  it('reads the address out of a grpc-js peer', () => {
    expect(addressOf('127.0.0.1:50123')).toBe('127.0.0.1');
    expect(addressOf('::ffff:10.0.0.7:443')).toBe('10.0.0.7');
    expect(addressOf('2001:db8::1:50123')).toBe('2001:db8::1');
    expect(addressOf('[::1]:50123')).toBe('::1');
  });

  it('counts per address up to the cap, and each release gives back one place, once', () => {
    const pending = new PendingCalls(2);
    const a = pending.enter('10.0.0.1:1000')!;
    const b = pending.enter('10.0.0.1:1001')!;
    expect(pending.enter('10.0.0.1:1002')).toBeNull();
    expect(pending.enter('::ffff:10.0.0.1:1003')).toBeNull();
    expect(pending.enter('10.0.0.2:1000')).not.toBeNull();
    expect(pending.waitingFrom('10.0.0.1')).toBe(2);
    a();
    a();
    expect(pending.waitingFrom('10.0.0.1')).toBe(1);
    expect(pending.enter('10.0.0.1:1004')).not.toBeNull();
    b();
    expect(pending.waitingFrom('10.0.0.1')).toBe(1);
  });
});
