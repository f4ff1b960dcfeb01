import type { ModelSpec } from '../../common/model-spec.js';
import type { TrainingSettings } from '../config/study-config.js';
import type { DpTerms, EncryptionTerms, SecAggTerms } from '../protocols/task-extras.js';
import type { StrategyConfig } from '../../strategies/index.js';

/**
 * What the coordinator asks of a clinic, as its task stream delivers it. Domain form only: the
 * gRPC layer maps it to the wire `Task` (federation/task-wire.ts).
 */
export type ClinicTask = TrainTask | EvaluateTask | StudyFinishedTask;

/** Train round `round` of a study from model version `modelVersion` and upload the update. */
export interface TrainTask {
  readonly kind: 'train';
  readonly studyId: string;
  readonly dataset: string;
  readonly round: number;
  readonly modelVersion: number;
  readonly model: ModelSpec;
  /** The study's training settings, with the shuffling seed derived for this clinic and round. */
  readonly training: TrainingSettings & { readonly seed: number };
  readonly privacy: string;
  /** How the update is encoded. */
  readonly codec: string;
  /** Unix milliseconds after which the round takes no more updates. */
  readonly deadlineAt: number;
  readonly strategy: StrategyConfig;
  /** How the strategy asks clinics to train this round (e.g. FedProx's proximalMu); empty for plain local training. */
  readonly fitConfig: Readonly<Record<string, number>>;
  /** Clinics asked to train in this round. */
  readonly participants: number;
  readonly encryption: EncryptionTerms | null;
  readonly dp: DpTerms | null;
  readonly secagg: SecAggTerms | null;
}

/** Evaluate model version `modelVersion` of a study on the clinic's held-out data. */
export interface EvaluateTask {
  readonly kind: 'evaluate';
  readonly studyId: string;
  readonly dataset: string;
  readonly modelVersion: number;
  readonly model: ModelSpec;
  /** How the model version is encoded. */
  readonly codec: string;
  readonly strategy: StrategyConfig;
  readonly encryption: EncryptionTerms | null;
}

/** The study is over: completed its `rounds` rounds, failed with `message` saying why, or cancelled by the operator. */
export interface StudyFinishedTask {
  readonly kind: 'study-finished';
  readonly studyId: string;
  readonly dataset: string;
  readonly rounds: number;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly message: string;
}
