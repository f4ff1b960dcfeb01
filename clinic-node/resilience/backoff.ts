import { status, type ServiceError } from '@grpc/grpc-js';
import { randomInt } from 'node:crypto';

/** How long a node waits between reconnection attempts. */
export interface BackoffOptions {
  /** The first attempt's ceiling, in milliseconds. Default 250. */
  baseMs?: number;
  /** The largest ceiling, in milliseconds. Default 10 000. */
  capMs?: number;
  /** Uniform in [0, 1). Default node:crypto's (tests inject a seeded source). */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: attempt n waits a uniform time in [0, min(cap, base · 2^n)),
 * so nodes that lost the same coordinator at the same moment do not all come back at once.
 */
export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.capMs = options.capMs ?? 10_000;
    this.random = options.random ?? uniform;
    if (!(this.baseMs > 0 && this.capMs >= this.baseMs))
      throw new RangeError(`backoff needs 0 < base <= cap, got base ${this.baseMs} ms, cap ${this.capMs} ms`);
  }

  /** The ceiling of the next attempt's delay. */
  ceiling(): number {
    // 2^attempt overflows to Infinity long after the cap is reached; min keeps it finite.
    return Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
  }

  /** The delay before the next attempt, in whole milliseconds. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.attempt++;
    return delay;
  }

  /** After a success: the next failure starts again from the base. */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * How long a node keeps trying: an outage starts at the first failure after a success (a successful
 * Register), and the node gives up once it has lasted longer than the window.
 */
export class ReconnectWindow {
  private outageSince: number | null = null;

  constructor(
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(windowMs >= 0)) throw new RangeError(`the reconnect window must be >= 0 ms, got ${windowMs}`);
  }

  succeeded(): void {
    this.outageSince = null;
  }

  /** Records a failure; true while the outage is still within the window. */
  failed(): boolean {
    const now = this.now();
    this.outageSince ??= now;
    return now - this.outageSince <= this.windowMs;
  }

  /** Milliseconds since the outage began (0 when there is none). */
  elapsed(): number {
    return this.outageSince === null ? 0 : this.now() - this.outageSince;
  }
}

/**
 * Whether a failed call is what a coordinator that crashed, restarted or was cut off produces, as
 * opposed to an answer. Measured against a coordinator killed (SIGKILL) or shut down mid-call:
 * UNAVAILABLE ("read ECONNRESET", "Connection dropped", "No connection established ... ECONNREFUSED")
 * and CANCELLED ("Call cancelled", the server tearing down its calls as it stops). grpc-js also
 * reports a stream reset without a status as INTERNAL "Received RST_STREAM with code ..."; an INTERNAL
 * with any other text is the coordinator's own error, not transport, and is not retried.
 * Callers must rule out their own cancellations first (a node cancelling its calls as it stops).
 */
export function isTransient(error: unknown): boolean {
  const { code, details } = (error ?? {}) as Partial<ServiceError>;
  if (code === status.UNAVAILABLE || code === status.CANCELLED) return true;
  return code === status.INTERNAL && /RST_STREAM|Connection dropped/.test(details ?? '');
}

/** Waits `ms`, or less if `signal` aborts; resolves true if the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Uniform in [0, 1) from node:crypto: jitter needs no secrecy, but the project keeps Math.random out of product code. */
function uniform(): number {
  return randomInt(2 ** 47) / 2 ** 47;
}
