// Original file: protos/cohort/v1/federation.proto

import type { TaskKind as _cohort_v1_TaskKind, TaskKind__Output as _cohort_v1_TaskKind__Output } from '../../cohort/v1/TaskKind.js';
import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { TrainingConfig as _cohort_v1_TrainingConfig, TrainingConfig__Output as _cohort_v1_TrainingConfig__Output } from '../../cohort/v1/TrainingConfig.js';
import type { StrategySpec as _cohort_v1_StrategySpec, StrategySpec__Output as _cohort_v1_StrategySpec__Output } from '../../cohort/v1/StrategySpec.js';
import type { EncryptionSpec as _cohort_v1_EncryptionSpec, EncryptionSpec__Output as _cohort_v1_EncryptionSpec__Output } from '../../cohort/v1/EncryptionSpec.js';
import type { DpSpec as _cohort_v1_DpSpec, DpSpec__Output as _cohort_v1_DpSpec__Output } from '../../cohort/v1/DpSpec.js';
import type { SecAggSpec as _cohort_v1_SecAggSpec, SecAggSpec__Output as _cohort_v1_SecAggSpec__Output } from '../../cohort/v1/SecAggSpec.js';
import type { Long } from '@grpc/proto-loader';

export interface Task {
  'kind'?: (_cohort_v1_TaskKind);
  'studyId'?: (string);
  'round'?: (number);
  'modelVersion'?: (number);
  'model'?: (_cohort_v1_ModelSpec | null);
  'training'?: (_cohort_v1_TrainingConfig | null);
  'privacy'?: (string);
  'codec'?: (string);
  'deadlineUnixMs'?: (number | string | Long);
  'studyStatus'?: (string);
  'message'?: (string);
  'dataset'?: (string);
  'strategy'?: (_cohort_v1_StrategySpec | null);
  'encryption'?: (_cohort_v1_EncryptionSpec | null);
  'participants'?: (number);
  'dp'?: (_cohort_v1_DpSpec | null);
  'secagg'?: (_cohort_v1_SecAggSpec | null);
  'fitConfig'?: ({[key: string]: number | string});
}

export interface Task__Output {
  'kind': (_cohort_v1_TaskKind__Output);
  'studyId': (string);
  'round': (number);
  'modelVersion': (number);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'training': (_cohort_v1_TrainingConfig__Output | null);
  'privacy': (string);
  'codec': (string);
  'deadlineUnixMs': (number);
  'studyStatus': (string);
  'message': (string);
  'dataset': (string);
  'strategy': (_cohort_v1_StrategySpec__Output | null);
  'encryption': (_cohort_v1_EncryptionSpec__Output | null);
  'participants': (number);
  'dp': (_cohort_v1_DpSpec__Output | null);
  'secagg': (_cohort_v1_SecAggSpec__Output | null);
  'fitConfig': ({[key: string]: number});
}
