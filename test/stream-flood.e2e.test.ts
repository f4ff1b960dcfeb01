import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { ClientHttp2Session } from 'node:http2';
import { startCoordinatorProcess, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { headerOnlyCall, openSession, type StreamEnd } from './support/idle-streams.js';

// A stranger without credentials opens 10,000 calls that send their headers and never a message,
// against `cohort coordinator` in its own process (so its memory is its own), over TLS on loopback.
// On main before the limits: nothing was closed and each stream kept about 7.6 KB for good.

const STREAMS = 10_000;
const SESSIONS = 20; // 500 streams each, under the default 512 per connection
const FIRST_MESSAGE_TIMEOUT_MS = 20_000; // long enough for all of them to be open at once
const RSS_BOUND_MIB = 400;
const REGISTER = '/cohort.v1.Federation/Register';

/** A line of /proc/PID/status in MiB: VmRSS now, VmHWM the peak since the process started. */
function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

describe('10,000 unauthenticated calls without a message', () => {
  let coordinator: CoordinatorProcess;

  beforeAll(async () => {
    coordinator = await startCoordinatorProcess({
      // All from one address: let every one of them wait (the default lets 1024 wait, refusing the rest at once).
      args: ['--first-message-timeout-ms', String(FIRST_MESSAGE_TIMEOUT_MS), '--max-pending-calls-per-address', String(STREAMS)],
    });
  });

  afterAll(async () => {
    await coordinator?.stop();
  });

  it('are all refused and freed at the deadline, while memory stays bounded and /health answers', async () => {
    const pid = coordinator.child.pid!;
    const rssBefore = memoryMiB(pid, 'VmRSS');
    const [host, port] = [coordinator.grpcAddress.slice(0, coordinator.grpcAddress.lastIndexOf(':')), Number(coordinator.grpcAddress.split(':').pop())];
    const sessions: ClientHttp2Session[] = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(host, port, coordinator.caPem)));
    try {
      let open = 0;
      let heldAtOnce = 0;
      let allOpen!: () => void;
      const everyStreamOpen = new Promise<void>((resolve) => (allOpen = resolve));
      const ends: Promise<StreamEnd>[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const session = sessions[i % SESSIONS]!;
        const end = headerOnlyCall(session, REGISTER, () => {
          heldAtOnce = Math.max(heldAtOnce, ++open);
          if (heldAtOnce === STREAMS) allOpen();
        });
        ends.push(end.finally(() => open--));
      }
      await Promise.race([everyStreamOpen, Promise.all(ends)]);
      expect(heldAtOnce).toBe(STREAMS);

      // All of them held at once: the coordinator still answers people, and its memory stays bounded.
      const health = [];
      for (let i = 0; i < 5; i++) health.push((await coordinator.request('/health', { token: null })).status);
      expect(health).toEqual([200, 200, 200, 200, 200]);
      const rssHeld = memoryMiB(pid, 'VmRSS');
      expect(rssHeld).toBeLessThan(RSS_BOUND_MIB);

      // At the deadline each call is refused and its stream reset by the coordinator (the client never ends its side).
      const results = await Promise.all(ends);
      const tally = new Map<string, number>();
      for (const { status, rstCode } of results) tally.set(`${status}/${rstCode}`, (tally.get(`${status}/${rstCode}`) ?? 0) + 1);
      expect(Object.fromEntries(tally)).toEqual({ [`${grpc.status.UNAUTHENTICATED}/0`]: STREAMS });
      expect(results[0]!.message).toBe(
        `${REGISTER}: no request within ${FIRST_MESSAGE_TIMEOUT_MS} ms of the call's headers; a call sends its signed request at once`,
      );

      expect(memoryMiB(pid, 'VmHWM')).toBeLessThan(RSS_BOUND_MIB);
      expect((await coordinator.request('/health', { token: null })).status).toBe(200);
      process.stdout.write(
        `stream flood: ${STREAMS} held at once, coordinator RSS ${rssBefore.toFixed(0)} MiB before, ${rssHeld.toFixed(0)} MiB holding them, peak ${memoryMiB(pid, 'VmHWM').toFixed(0)} MiB\n`,
      );
    } finally {
      for (const session of sessions) session.destroy();
    }
  });
});
