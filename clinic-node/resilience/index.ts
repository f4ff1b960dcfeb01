/**
 * How a clinic node survives crashes: its own (the outbox and training journal under its state
 * directory) and the coordinator's (reconnection with backoff, transient errors told from answers).
 */
export { Backoff, ReconnectWindow, isTransient, sleep, type BackoffOptions } from './backoff.js';
export { decodeOutboxEntry, encodeOutboxEntry, Outbox, OutboxError, outgoingUpdate, type OutboxEntry, type OutboxHeader } from './outbox.js';
export { TrainingJournal, type RoundRef } from './training-journal.js';
export { RevealJournal, type RevealRecord } from './reveal-journal.js';
export { NodeState } from './node-state.js';
export { ABANDONED, AbandonedError, Shutdown } from './shutdown.js';
export { PermanentConnectionError, permanentFailure, type Circumstances } from './permanent-errors.js';
