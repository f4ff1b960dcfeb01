import { describe, expect, it } from '@jest/globals';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Backoff, isTransient, ReconnectWindow, sleep } from './backoff.js';

/** A seeded uniform source (mulberry32), so the test sees the same draws every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function grpcError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}

describe('reconnect backoff', () => {
  it('doubles its ceiling from 250 ms up to the 10 s cap and draws each delay uniformly below it (full jitter)', () => {
    const draws: number[] = [];
    const random = seeded(7);
    const backoff = new Backoff({ random: () => (draws.push(random()), draws[draws.length - 1]!) });
    const ceilings: number[] = [];
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      ceilings.push(backoff.ceiling());
      delays.push(backoff.next());
    }
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    delays.forEach((delay, i) => {
      expect(delay).toBe(Math.floor(draws[i]! * ceilings[i]!));
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceilings[i]!);
    });
    // Jitter: the same attempts with another seed give other delays.
    const other = new Backoff({ random: seeded(8) });
    expect(Array.from({ length: 9 }, () => other.next())).not.toEqual(delays);
  });

  it('covers the whole range: a draw of 0 waits 0, a draw just below 1 just below the ceiling', () => {
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
    const high = new Backoff({ random: () => 0.999999 });
    expect([high.next(), high.next(), high.next()]).toEqual([249, 499, 999]);
  });

  it('starts again from the base after a success, and stays finite after very many failures', () => {
    const backoff = new Backoff({ random: () => 0.5, baseMs: 100, capMs: 1000 });
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.ceiling()).toBe(1000);
    expect(backoff.next()).toBe(500);
    backoff.reset();
    expect(backoff.ceiling()).toBe(100);
    expect(() => new Backoff({ baseMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 500, capMs: 100 })).toThrow(RangeError);
  });

  it('gives up only when an outage has lasted longer than the window, counted from its first failure', () => {
    let now = 1_000_000;
    const window = new ReconnectWindow(600_000, () => now);
    expect(window.failed()).toBe(true);
    now += 600_000;
    expect(window.failed()).toBe(true);
    expect(window.elapsed()).toBe(600_000);
    now += 1;
    expect(window.failed()).toBe(false);
    // A successful Register ends the outage: hours of service later, one failure is a new outage.
    window.succeeded();
    now += 5 * 3_600_000;
    expect(window.failed()).toBe(true);
    expect(window.elapsed()).toBe(0);
  });
});

describe('transient errors', () => {
  it('are what a killed or restarting coordinator produces mid-call, not its answers', () => {
    expect(isTransient(grpcError(status.UNAVAILABLE, 'read ECONNRESET'))).toBe(true);
    expect(isTransient(grpcError(status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:50051'))).toBe(true);
    expect(isTransient(grpcError(status.UNAVAILABLE, 'Connection dropped'))).toBe(true);
    expect(isTransient(grpcError(status.CANCELLED, 'Call cancelled'))).toBe(true);
    expect(isTransient(grpcError(status.INTERNAL, 'Received RST_STREAM with code 2 triggered by internal client error: write EPIPE'))).toBe(true);
    expect(isTransient(grpcError(status.INTERNAL, 'Received RST_STREAM with code 0 (Call ended without gRPC status)'))).toBe(true);
    // Answers, and the coordinator's own failures, are not retried.
    expect(isTransient(grpcError(status.INTERNAL, 'SQLITE_ERROR: no such table'))).toBe(false);
    for (const code of [
      status.FAILED_PRECONDITION,
      status.ALREADY_EXISTS,
      status.NOT_FOUND,
      status.INVALID_ARGUMENT,
      status.PERMISSION_DENIED,
      status.UNAUTHENTICATED,
      status.DATA_LOSS,
    ]) {
      expect(isTransient(grpcError(code, 'refused'))).toBe(false);
    }
    expect(isTransient(new Error('disk full'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});

describe('sleep', () => {
  it('ends early, reporting so, when its signal aborts', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(sleep(1000, controller.signal)).resolves.toBe(false);
    await expect(sleep(0)).resolves.toBe(true);
  });
});
