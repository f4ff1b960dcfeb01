import { useEffect, useState } from 'preact/hooks';
import type { AuditEventView } from '../../../../coordinator/studies/studies.service.js';
import { Badge } from '../../components/status.js';
import { dateTime, describeEvent } from '../../format.js';
import { followStudy, type LiveState } from '../../live.js';

/** How many events the feed keeps on screen (the whole log is in GET /studies/:id/events). */
const SHOWN = 200;

const STATE_TEXT: Record<LiveState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', stopped: 'stopped' };

/**
 * The study's audit log as it happens (server-sent events): round opened, updates arriving, closed,
 * refusals, failures. `onEvent` lets the page refresh its tables and charts.
 */
export function LiveFeed({ token, studyId, onEvent }: { token: string; studyId: string; onEvent: (event: AuditEventView) => void }) {
  const [events, setEvents] = useState<AuditEventView[]>([]);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    setEvents([]);
    return followStudy(
      token,
      studyId,
      (event) => {
        setEvents((shown) => [event, ...shown].slice(0, SHOWN));
        onEvent(event);
      },
      (next) => setState(next),
    );
  }, [token, studyId]);
  return (
    <section aria-labelledby="live-title" class="live">
      <h2 id="live-title">
        Activity <Badge tone={state === 'live' ? 'good' : 'warn'}>{STATE_TEXT[state]}</Badge>
      </h2>
      <ol class="feed" aria-live="polite" aria-relevant="additions" aria-label="Study activity, newest first" tabIndex={0} data-testid="live-feed">
        {events.length === 0 && <li class="muted">No activity yet.</li>}
        {events.map((event) => (
          <li key={event.seq} data-type={event.type} class={`event event-${event.type}`}>
            <time dateTime={event.at}>{dateTime(event.at).slice(11, 19)}</time> {describeEvent(event)}
          </li>
        ))}
      </ol>
    </section>
  );
}
