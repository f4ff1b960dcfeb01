import type { MessageEvent } from '@nestjs/common';
import { defer, exhaustMap, interval, map, merge, mergeMap, of, from, throttleTime, type Observable } from 'rxjs';
import type { AuditEventView } from './studies.service.js';

/** How a study's live stream reads and wakes. */
export interface StudyStreamOptions {
  /** Audit events after `seq`, in commit order, at most `limit`. */
  load(after: number, limit: number): Promise<AuditEventView[]>;
  /** Fires when the study may have new events (the federation's event bus): read at once. */
  wake$: Observable<unknown>;
  /** The last event the client has (`Last-Event-ID` or `?after=`); 0 for the whole log. */
  after: number;
  /** Read anyway this often, for changes the bus does not announce (pause, ledger entries). Default 1000 ms. */
  pollMs?: number;
  /** A `heartbeat` event this often, so proxies keep an idle stream open. Default 15000 ms. */
  heartbeatMs?: number;
  /** Events per read. Default 500. */
  batch?: number;
  /** Wake-ups closer together than this are one read (a round's updates arrive in a burst). Default 100 ms. */
  coalesceMs?: number;
}

/**
 * A study's audit log as server-sent events: everything after `after`, then each new event as it
 * commits. Each SSE `id` is the event's seq, so a reconnecting browser resumes where it was (it sends
 * `Last-Event-ID`). Reads happen only while someone is subscribed: no open console, no cost.
 */
export function studyEventStream(options: StudyStreamOptions): Observable<MessageEvent> {
  const { load, wake$, pollMs = 1000, heartbeatMs = 15_000, batch = 500, coalesceMs = 100 } = options;
  return defer(() => {
    let last = options.after;
    const readNew = async (): Promise<AuditEventView[]> => {
      const read: AuditEventView[] = [];
      for (;;) {
        const events = await load(last, batch);
        read.push(...events);
        if (events.length > 0) last = events.at(-1)!.seq;
        if (events.length < batch) return read;
      }
    };
    // A read in progress absorbs the triggers that arrive meanwhile; the next poll catches what they announced.
    const wakeUps$ = wake$.pipe(throttleTime(coalesceMs, undefined, { leading: true, trailing: true }));
    const events$ = merge(of(null), wakeUps$, interval(pollMs)).pipe(
      exhaustMap(() => from(readNew())),
      mergeMap((events) => from(events)),
      map((event): MessageEvent => ({ id: String(event.seq), type: 'audit', data: event })),
    );
    const heartbeats$ = interval(heartbeatMs).pipe(map((): MessageEvent => ({ type: 'heartbeat', data: { at: new Date().toISOString() } })));
    return merge(events$, heartbeats$);
  });
}

/** The seq a stream resumes after: the `Last-Event-ID` header wins over `?after=`; anything unreadable is a mistake. */
export function resumeAfter(lastEventId: string | undefined, after: string | undefined): number | string {
  const given = lastEventId ?? after ?? '0';
  if (!/^\d{1,15}$/.test(given)) return `${lastEventId !== undefined ? 'Last-Event-ID' : 'after'} must be an event seq (a whole number >= 0), got "${given}"`;
  return Number(given);
}
