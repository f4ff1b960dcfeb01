import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient, OutgoingUpdate } from '../client/federation-client.js';
import type { Keystore } from '../keys/index.js';
import type { PrivacyGuard, RoundDecision, RoundRequest } from '../privacy/privacy-guard.js';
import type { RevealJournal } from '../resilience/reveal-journal.js';
import type { TrainingResult } from '../training/local-training.js';
import type { SecureRoundClient } from './secure-round.js';

/** A decision to train: the clinic's DP-SGD settings, or its share of secagg+dp noise, or neither. */
export type TrainDecision = Extract<RoundDecision, { train: true }>;

/** The part of the privacy guard a protocol decides a round with. */
export type RoundPrivacy = Pick<PrivacyGuard, 'decide' | 'recorded'>;

/** The clinic's update and the training run that produced it. */
export interface TrainedUpdate {
  /** Local minus global parameters. */
  delta: Float32Array;
  result: TrainingResult;
}

/** An encoded update, as the upload and the outbox carry it (the round's identity is added by the node). */
export type EncodedUpdate = Pick<OutgoingUpdate, 'codec' | 'keyId' | 'numSamples' | 'trainLoss' | 'payload'>;

/** A training round under way, as the node hands it to the protocol that carries its update. */
export interface RoundInProgress {
  readonly task: Task__Output;
  readonly decision: TrainDecision;
  /** The clinic's training records: the plain update's sample count, the secure sum's weight. */
  readonly records: number;
  /** Total epsilon at the cap's δ after this round's decision (null without a budget), for the log. */
  readonly spent: { epsilon: number; delta: number } | null;
  /** Reads the model version, trains on it and returns the update; from here the round counts as trained by this node. */
  train(): Promise<TrainedUpdate>;
  /** Keeps the update in the outbox, settles the round, uploads it; true when the coordinator took it. */
  storeAndSend(update: EncodedUpdate): Promise<boolean>;
  /** Settles a round whose update is not kept (secure rounds): its decision and crash-journal marker go. */
  settle(): Promise<void>;
}

/**
 * How a round ended for the node's summary: the update went through the outbox (counted when the
 * coordinator acknowledges it), was securely aggregated, the node left the round on purpose, or the
 * round went on without the update (a refusal of the coordinator's messages, a closed round).
 */
export type RoundEnd = 'sent' | 'aggregated' | 'left' | 'not-aggregated';

/**
 * One way an update travels, as the clinic does its part: reading a model version, deciding the
 * round's privacy (the guard, with the DP setting this protocol layers on), encoding and sending the
 * update. Plain, CKKS and secure aggregation each implement it; NodeProtocols picks one per task.
 */
export interface NodeProtocol {
  /** The parameters of the task's model version, as this clinic sees them. */
  model(task: Task__Output): Promise<Float32Array>;
  /** The attempt of the round this task runs, for rounds that can run again with fresh keys; else null. */
  attempt(task: Task__Output): number | null;
  /** Why this node must not join the task's round, or null if it may. */
  refusal(task: Task__Output): string | null;
  /** The clinic's privacy decision for the round (a spend or refusal in its ledger, or no entry). */
  decide(task: Task__Output, guard: RoundPrivacy, records: number): RoundDecision;
  /** Trains (through `round.train`) and sends the update this protocol's way. */
  submit(round: RoundInProgress): Promise<RoundEnd>;
}

/** What the protocols share: the coordinator connection and the clinic's keys and journals. */
export interface ProtocolContext {
  client: FederationClient;
  clinicId: string;
  keystore: Keystore;
  /** Secure rounds whose shares this node revealed (secagg+dp attempts it must not join again). */
  reveals: RevealJournal;
  log: (message: string) => void;
  /** Wraps the client each secure round talks through (simulated faults). Default: the client itself. */
  secureRoundClient?: (client: SecureRoundClient, task: Task__Output) => SecureRoundClient;
}

/** The task's training, which every training task carries. */
export function trainingOf(task: Task__Output): NonNullable<Task__Output['training']> {
  if (!task.training) throw new Error(`the training task of round ${task.round} of study ${task.studyId} carries no training settings`);
  return task.training;
}

/** The guard's view of a training task; `distributed` for secagg+dp rounds. */
export function roundRequest(task: Task__Output, distributed?: RoundRequest['distributed']): RoundRequest {
  const training = trainingOf(task);
  return {
    studyId: task.studyId,
    round: task.round,
    dp: task.dp,
    batchSize: training.batchSize,
    localSteps: training.localSteps,
    ...(distributed ? { distributed } : {}),
  };
}
