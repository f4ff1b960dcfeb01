/**
 * The coordinator's view of its gRPC calls for people and Prometheus: every refused call is a log line
 * (warn) naming the method, the peer, the clinic when known, the status and why, and a count in
 * `cohort_grpc_refusals_total`; update chunks and acknowledged uploads are counted. One source
 * address gets at most {@link MAX_LINES_PER_MINUTE} refusal lines a minute, so a flood of strangers
 * cannot flood the log (the counter still counts every one).
 */
import { status } from '@grpc/grpc-js';
import { federationFields, type Logger } from '../../common/logging/logger.js';
import type { CallObserver } from '../auth/grpc-authentication.js';
import { addressOf } from '../auth/pending-calls.js';
import type { CoordinatorMetrics } from './metrics.js';

export const MAX_LINES_PER_MINUTE = 20;
const UPLOAD = '/cohort.v1.Federation/UploadUpdate';

const STATUS_NAMES = Object.fromEntries(
  Object.entries(status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [v, k]),
) as Record<number, string>;

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? String(code);
}

export function callObserver(logger: Logger, metrics: CoordinatorMetrics, now: () => number = Date.now): CallObserver {
  const lines = new Map<string, { since: number; count: number }>();
  const mayLog = (address: string): boolean => {
    const t = now();
    let window = lines.get(address);
    if (!window || t - window.since >= 60_000) {
      if (lines.size > 10_000) lines.clear();
      window = { since: t, count: 0 };
      lines.set(address, window);
    }
    window.count++;
    if (window.count === MAX_LINES_PER_MINUTE + 1)
      logger.warn({ peer: address }, `further refused calls from ${address} are not logged until a minute has passed (cohort_grpc_refusals_total counts them)`);
    return window.count <= MAX_LINES_PER_MINUTE;
  };
  return {
    refused({ stage, method, peer, code, details, clinicId }) {
      // The caller hung up (a node stopping, a stream it no longer needs): not a refusal.
      if (code === status.CANCELLED && stage === 'handler') return;
      const name = statusName(code);
      metrics.refused({ code: name, method, stage });
      const address = addressOf(peer);
      if (!mayLog(address)) return;
      const who = clinicId ? `clinic ${clinicId} at ${address}` : address;
      const fields = { context: 'FederationRpc', stage, method, peer: address, code: name, ...(clinicId && { clinicId }), ...federationFields(details) };
      const line = `refused ${method} from ${who}: ${name}: ${details}`;
      // A coordinator fault is an error; a caller's mistake or a stranger is a warning.
      if (code === status.INTERNAL || code === status.UNKNOWN) logger.error(fields, line);
      else logger.warn(fields, line);
    },
    admitted(method, message) {
      if (method !== UPLOAD) return;
      const data = (message as { data?: unknown } | null)?.data;
      if (data instanceof Uint8Array) metrics.bytesReceived.inc(data.length);
    },
    answered(method) {
      if (method === UPLOAD) metrics.updatesReceived.inc();
    },
  };
}
