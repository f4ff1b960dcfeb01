/**
 * Clinic tasks (clinics/clinic-task.ts) as the WatchTasks stream sends them: the wire `Task` of
 * protos/cohort/v1/federation.proto. Only the gRPC controller uses this mapping.
 */
import { parameterCount, type ModelSpec } from '../../common/model-spec.js';
import type { DpSpec } from '../../protos/generated/cohort/v1/DpSpec.js';
import type { EncryptionSpec } from '../../protos/generated/cohort/v1/EncryptionSpec.js';
import type { ModelSpec as ModelSpecMessage } from '../../protos/generated/cohort/v1/ModelSpec.js';
import type { SecAggSpec } from '../../protos/generated/cohort/v1/SecAggSpec.js';
import type { Task } from '../../protos/generated/cohort/v1/Task.js';
import type { TrainingConfig } from '../../protos/generated/cohort/v1/TrainingConfig.js';
import { strategyToWire } from '../../wire/strategy-wire.js';
import type { ClinicTask, EvaluateTask, StudyFinishedTask, TrainTask } from '../clinics/clinic-task.js';
import type { DpTerms, EncryptionTerms, SecAggTerms } from '../protocols/task-extras.js';

export function taskToWire(task: ClinicTask): Task {
  switch (task.kind) {
    case 'train':
      return trainToWire(task);
    case 'evaluate':
      return evaluateToWire(task);
    case 'study-finished':
      return finishedToWire(task);
  }
}

/** The model's architecture as tasks and downloads describe it, with its parameter count. */
export function modelSpecToWire(model: ModelSpec): ModelSpecMessage {
  return {
    architecture: model.architecture,
    inputDim: model.inputDim,
    hiddenUnits: [...model.hiddenUnits],
    outputDim: model.outputDim,
    numParameters: parameterCount(model),
    statistics: model.statistics ?? 0,
    timeGrid: [...(model.timeGrid ?? [])],
  };
}

function trainToWire(task: TrainTask): Task {
  const { optimizer, learningRate, batchSize, localSteps, seed } = task.training;
  const training: TrainingConfig = { optimizer, learningRate, batchSize, localSteps, seed };
  return {
    kind: 'TASK_KIND_TRAIN',
    studyId: task.studyId,
    dataset: task.dataset,
    round: task.round,
    modelVersion: task.modelVersion,
    model: modelSpecToWire(task.model),
    training,
    privacy: task.privacy,
    codec: task.codec,
    deadlineUnixMs: task.deadlineAt,
    strategy: strategyToWire(task.strategy),
    fitConfig: { ...task.fitConfig },
    encryption: encryptionToWire(task.encryption),
    participants: task.participants,
    dp: dpToWire(task.dp),
    secagg: secAggToWire(task.secagg),
  };
}

/** An evaluation names its model version as the task's round too. */
function evaluateToWire(task: EvaluateTask): Task {
  return {
    kind: 'TASK_KIND_EVALUATE',
    studyId: task.studyId,
    dataset: task.dataset,
    round: task.modelVersion,
    modelVersion: task.modelVersion,
    model: modelSpecToWire(task.model),
    codec: task.codec,
    strategy: strategyToWire(task.strategy),
    encryption: encryptionToWire(task.encryption),
  };
}

/** The end of a study carries its number of rounds as the task's round. */
function finishedToWire(task: StudyFinishedTask): Task {
  return {
    kind: 'TASK_KIND_STUDY_FINISHED',
    studyId: task.studyId,
    dataset: task.dataset,
    round: task.rounds,
    studyStatus: task.status,
    message: task.message,
  };
}

function encryptionToWire(terms: EncryptionTerms | null): EncryptionSpec | null {
  return terms && { parameterSet: terms.parameterSet, keyId: terms.keyId };
}

function dpToWire(terms: DpTerms | null): DpSpec | null {
  return terms && { targetEpsilon: terms.targetEpsilon, delta: terms.delta, clipNorm: terms.clipNorm, totalSteps: terms.totalSteps };
}

function secAggToWire(terms: SecAggTerms | null): SecAggSpec | null {
  if (!terms) return null;
  const { threshold, degree, clipRange, maxTotalWeight, stageTimeoutMs, minContributors, attempt } = terms;
  return { threshold, degree, clipRange, maxTotalWeight, stageTimeoutMs, minContributors, attempt };
}
