import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { RegisterRequest } from '../../protos/generated/cohort/v1/RegisterRequest.js';
import type { FederationClient } from '../client/federation-client.js';
import { describeError } from '../client/answers.js';
import {
  ABANDONED,
  AbandonedError,
  Backoff,
  isTransient,
  PermanentConnectionError,
  permanentFailure,
  ReconnectWindow,
  sleep,
  type BackoffOptions,
  type Shutdown,
} from '../resilience/index.js';
import { processStream, type StreamOutcome, type TaskStream } from './task-stream.js';
import { duration } from './wording.js';

export interface SessionOptions {
  client: Pick<FederationClient, 'register'> & { watchTasks(clinicId: string): TaskStream };
  clinicId: string;
  /** The coordinator's address, for the give-up message. */
  coordinator: string;
  registration: RegisterRequest;
  shutdown: Shutdown;
  signal?: AbortSignal;
  /** How long to keep reconnecting without a successful Register. Default 10 minutes. */
  reconnectWindowMs?: number;
  /** Delays between reconnection attempts. Default base 250 ms, cap 10 s, full jitter. */
  reconnectBackoff?: BackoffOptions;
  log: (message: string) => void;
  /** Each successful Register (the node's health port reports it). */
  onRegistered?: () => void;
  /** Each lost connection: a failure, or the task stream ended. */
  onLost?: () => void;
}

/** Why a session ended: the study finished, a stop, or a stop whose grace period ran out mid-task. */
export type SessionEnd = 'finished' | 'stopped' | 'abandoned';

/**
 * The node's session with its coordinator: register, run `onConnected` (the outbox), then serve the
 * task stream; after a transient failure or an ended stream, register again after a backoff, until
 * the reconnect window passes without a successful Register (then it throws).
 */
export class CoordinatorSession {
  private connections = 0;
  private readonly backoff: Backoff;
  private readonly outage: ReconnectWindow;

  constructor(private readonly options: SessionOptions) {
    this.backoff = new Backoff(options.reconnectBackoff);
    this.outage = new ReconnectWindow(options.reconnectWindowMs ?? 10 * 60_000);
  }

  async serve(onConnected: () => Promise<void>, handle: (task: Task__Output) => Promise<boolean>): Promise<SessionEnd> {
    const { shutdown } = this.options;
    while (!shutdown.requested) {
      let failure: unknown = null;
      try {
        const outcome = await shutdown.within(this.connectAndServe(onConnected, handle));
        if (outcome === ABANDONED) return 'abandoned';
        if (outcome !== 'ended') return outcome;
      } catch (error) {
        // Once stopping, failures are what the stop cut short (our own cancelled calls among them).
        if (shutdown.requested || error instanceof AbandonedError) return 'stopped';
        // A wrong CA, a missing client certificate, a URL for an address: stop now with what to fix, not after the reconnect window.
        const hint = permanentFailure(error, { coordinator: this.options.coordinator, connectedBefore: this.connections > 0 });
        if (hint) throw new PermanentConnectionError(`${this.options.clinicId}: cannot connect: ${hint}`, error);
        if (!isTransient(error)) throw error;
        failure = error;
      }
      this.options.onLost?.();
      await this.waitToReconnect(failure);
    }
    return 'stopped';
  }

  /** Register, resend the outbox, then tasks until the stream ends, the study finishes, or a stop. */
  private async connectAndServe(onConnected: () => Promise<void>, handle: (task: Task__Output) => Promise<boolean>): Promise<StreamOutcome> {
    const { client, clinicId, shutdown, signal, log } = this.options;
    await client.register(this.options.registration);
    this.outage.succeeded();
    this.backoff.reset();
    if (this.connections++ > 0) log(`${clinicId}: reconnected`);
    else log(`${clinicId}: connected to the coordinator at ${this.options.coordinator}`);
    this.options.onRegistered?.();
    await onConnected();
    if (shutdown.requested) return 'stopped';
    return processStream(client.watchTasks(clinicId), handle, signal);
  }

  private async waitToReconnect(failure: unknown): Promise<void> {
    const { clinicId, coordinator, signal, log } = this.options;
    if (!this.outage.failed()) {
      throw new Error(
        `${clinicId}: giving up: no successful Register with the coordinator at ${coordinator} for ${duration(this.outage.elapsed())} (reconnect window ${duration(this.outage.windowMs)}); last error: ${failure ? describeError(failure) : 'the task stream ended'}`,
      );
    }
    const delay = this.backoff.next();
    log(
      `${clinicId}: ${failure ? `coordinator unreachable (${describeError(failure)})` : 'the coordinator ended the task stream'}; reconnecting in ${duration(delay)}`,
    );
    await sleep(delay, signal);
  }
}
