import { describe, expect, it } from '@jest/globals';
import type { MessageEvent } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { AuditEventView } from './studies.service.js';
import { resumeAfter, studyEventStream } from './study-stream.js';

const event = (seq: number): AuditEventView => ({ seq, type: 'update-received', round: 1, clinic: 'c', detail: {}, at: new Date(0).toISOString() });

/** An audit log in memory, counting reads. */
function log(count: number) {
  const events = Array.from({ length: count }, (_, i) => event(i + 1));
  const reads: number[] = [];
  return {
    events,
    reads,
    load: async (after: number, limit: number) => {
      reads.push(after);
      return events.filter((e) => e.seq > after).slice(0, limit);
    },
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('a study as server-sent events', () => {
  it('sends what is after the given seq, then each new event when woken, each once', async () => {
    const audit = log(5);
    const wake$ = new Subject<void>();
    const got: MessageEvent[] = [];
    const subscription = studyEventStream({ load: audit.load, wake$, after: 2, pollMs: 60_000, heartbeatMs: 60_000, batch: 2 }).subscribe((e) => got.push(e));
    await settle();
    expect(got.map((e) => e.id)).toEqual(['3', '4', '5']);
    expect(got.every((e) => e.type === 'audit')).toBe(true);
    audit.events.push(event(6), event(7));
    wake$.next();
    await settle();
    wake$.next(); // nothing new: nothing sent
    await settle();
    subscription.unsubscribe();
    expect(got.map((e) => e.id)).toEqual(['3', '4', '5', '6', '7']);
    expect((got[3]!.data as AuditEventView).seq).toBe(6);
  });

  it('reads only while subscribed', async () => {
    const audit = log(1);
    const wake$ = new Subject<void>();
    const stream = studyEventStream({ load: audit.load, wake$, after: 0, pollMs: 5, heartbeatMs: 60_000 });
    wake$.next();
    await settle();
    expect(audit.reads).toEqual([]);
    const subscription = stream.subscribe();
    await settle();
    subscription.unsubscribe();
    const readsWhileOpen = audit.reads.length;
    expect(readsWhileOpen).toBeGreaterThan(0);
    wake$.next();
    await settle();
    expect(audit.reads.length).toBe(readsWhileOpen);
  });

  it('reads once for a burst of wake-ups', async () => {
    const readsFor = async (coalesceMs: number) => {
      const audit = log(1);
      const wake$ = new Subject<void>();
      const subscription = studyEventStream({ load: audit.load, wake$, after: 0, pollMs: 60_000, heartbeatMs: 60_000, coalesceMs }).subscribe();
      await settle();
      const before = audit.reads.length;
      for (let i = 0; i < 10; i++) {
        wake$.next(); // a round's updates, 10 ms apart
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
      subscription.unsubscribe();
      return audit.reads.length - before;
    };
    expect(await readsFor(1000)).toBeLessThanOrEqual(2); // the first wake-up, and one after the burst
    expect(await readsFor(0)).toBeGreaterThanOrEqual(8);
  });

  it('polls for what the bus does not announce, and sends heartbeats', async () => {
    const audit = log(0);
    const got: MessageEvent[] = [];
    const subscription = studyEventStream({ load: audit.load, wake$: new Subject(), after: 0, pollMs: 5, heartbeatMs: 15 }).subscribe((e) => got.push(e));
    await settle();
    audit.events.push(event(1));
    await settle();
    await settle();
    subscription.unsubscribe();
    expect(got.filter((e) => e.type === 'audit').map((e) => e.id)).toEqual(['1']);
    expect(got.some((e) => e.type === 'heartbeat')).toBe(true);
  });
});

describe('where a stream resumes', () => {
  it('takes Last-Event-ID over ?after, and 0 when neither is given', () => {
    expect(resumeAfter('12', '3')).toBe(12);
    expect(resumeAfter(undefined, '3')).toBe(3);
    expect(resumeAfter(undefined, undefined)).toBe(0);
  });

  it('names what is not a seq', () => {
    expect(resumeAfter('abc', undefined)).toBe('Last-Event-ID must be an event seq (a whole number >= 0), got "abc"');
    expect(resumeAfter(undefined, '-1')).toBe('after must be an event seq (a whole number >= 0), got "-1"');
  });
});
