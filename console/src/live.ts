import type { AuditEventView } from '../../coordinator/studies/studies.service.js';
import { SseParser } from './sse-parser.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** Backoff between reconnections: 1 s, doubling, at most 15 s. */
const RETRY_MS = [1000, 2000, 4000, 8000, 15_000];

/**
 * Follows a study's audit log live (GET /studies/:id/stream). Reconnects after a dropped stream,
 * resuming after the last event it had (Last-Event-ID), so no event is shown twice or missed.
 * Returns a function that stops it.
 */
export function followStudy(
  token: string,
  studyId: string,
  onEvent: (event: AuditEventView) => void,
  onState: (state: LiveState, detail?: string) => void,
): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;
  let failures = 0;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      onState(failures === 0 ? 'connecting' : 'reconnecting');
      try {
        const response = await fetch(`/studies/${encodeURIComponent(studyId)}/stream`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastId !== null && { 'last-event-id': lastId }) },
          signal: abort.signal,
        });
        if (!response.ok || !response.body) throw new Error(`the stream answered ${response.status}`);
        onState('live');
        failures = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            if (event.id !== null) lastId = event.id;
            if (event.type === 'audit') onEvent(JSON.parse(event.data) as AuditEventView);
          }
        }
      } catch (error) {
        if (abort.signal.aborted) break;
        onState('reconnecting', error instanceof Error ? error.message : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(failures++, RETRY_MS.length - 1)]));
    }
    onState('stopped');
  };
  void run();
  return () => abort.abort();
}
