import { describe, expect, it } from '@jest/globals';
import * as protoLoader from '@grpc/proto-loader';
import type { ModelSpec } from '../../common/model-spec.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../../common/proto-options.js';
import type { Task, Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { EvaluateTask, StudyFinishedTask, TrainTask } from '../clinics/clinic-task.js';
import { modelSpecToWire, taskToWire } from './task-wire.js';

const MLP: ModelSpec = { architecture: 'mlp', inputDim: 13, hiddenUnits: [8, 4], outputDim: 1 };
const MLP_WIRE = {
  architecture: 'mlp',
  inputDim: 13,
  hiddenUnits: [8, 4],
  outputDim: 1,
  numParameters: 13 * 8 + 8 + 8 * 4 + 4 + 4 * 1 + 1,
  statistics: 0,
  timeGrid: [],
};
const FEDADAM = { name: 'fedadam', serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 };
const FEDADAM_WIRE = { ...FEDADAM, settings: { serverLearningRate: 0.01, beta1: 0.9, beta2: 0.999, tau: 1e-8 } };
const SECAGG = { threshold: 2, degree: 3, clipRange: 4, maxTotalWeight: 97, stageTimeoutMs: 30_000, minContributors: 3, attempt: 1 };

const train: TrainTask = {
  kind: 'train',
  studyId: 'study-1',
  dataset: 'fed-heart-disease',
  round: 3,
  modelVersion: 2,
  model: MLP,
  training: { optimizer: 'adam', learningRate: 0.05, batchSize: 16, localSteps: 20, seed: 12345 },
  privacy: 'secagg+dp',
  codec: 'secagg-u32',
  deadlineAt: 1_767_225_600_123,
  strategy: FEDADAM,
  fitConfig: { proximalMu: 0.1 },
  participants: 4,
  encryption: null,
  dp: { targetEpsilon: 2, delta: 1e-5, clipNorm: 1.5, totalSteps: 10 },
  secagg: SECAGG,
};

const TRAIN_WIRE: Task = {
  kind: 'TASK_KIND_TRAIN',
  studyId: 'study-1',
  dataset: 'fed-heart-disease',
  round: 3,
  modelVersion: 2,
  model: MLP_WIRE,
  training: { optimizer: 'adam', learningRate: 0.05, batchSize: 16, localSteps: 20, seed: 12345 },
  privacy: 'secagg+dp',
  codec: 'secagg-u32',
  deadlineUnixMs: 1_767_225_600_123,
  strategy: FEDADAM_WIRE,
  fitConfig: { proximalMu: 0.1 },
  encryption: null,
  participants: 4,
  dp: { targetEpsilon: 2, delta: 1e-5, clipNorm: 1.5, totalSteps: 10 },
  secagg: SECAGG,
};

const methods = protoLoader.loadSync(FEDERATION_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] })[
  'cohort.v1.Federation'
] as protoLoader.ServiceDefinition;
/** A task as a clinic reads it: encoded by the coordinator's WatchTasks serializer, decoded by the client's. */
const received = (task: Task): Task__Output => methods['WatchTasks']!.responseDeserialize(methods['WatchTasks']!.responseSerialize(task)) as Task__Output;

describe('a clinic task on the wire', () => {
  it('maps a TRAIN task field by field, the model with its parameter count and the strategy with its settings', () => {
    expect(taskToWire(train)).toEqual(TRAIN_WIRE);
  });

  it('maps a CKKS TRAIN task without DP or secure aggregation to null specs', () => {
    const ckks: TrainTask = {
      ...train,
      privacy: 'he',
      codec: 'ckks:n8192-q60-s40',
      encryption: { parameterSet: 'n8192-q60-s40', keyId: 'key-7' },
      dp: null,
      secagg: null,
    };
    expect(taskToWire(ckks)).toEqual({
      ...TRAIN_WIRE,
      privacy: 'he',
      codec: 'ckks:n8192-q60-s40',
      encryption: { parameterSet: 'n8192-q60-s40', keyId: 'key-7' },
      dp: null,
      secagg: null,
    });
  });

  it('delivers every field of a TRAIN task to the clinic', () => {
    expect(received(taskToWire(train))).toEqual({
      ...TRAIN_WIRE,
      studyStatus: '',
      message: '',
    });
  });

  it('maps an EVALUATE task, naming its model version as the round too', () => {
    const evaluate: EvaluateTask = {
      kind: 'evaluate',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      modelVersion: 5,
      model: MLP,
      codec: 'ckks:n8192-q60-s30',
      strategy: { name: 'fedavg', serverLearningRate: 1 },
      encryption: { parameterSet: 'n8192-q60-s30', keyId: 'key-9' },
    };
    expect(taskToWire(evaluate)).toEqual({
      kind: 'TASK_KIND_EVALUATE',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      round: 5,
      modelVersion: 5,
      model: MLP_WIRE,
      codec: 'ckks:n8192-q60-s30',
      strategy: { name: 'fedavg', serverLearningRate: 1, settings: { serverLearningRate: 1 } },
      encryption: { parameterSet: 'n8192-q60-s30', keyId: 'key-9' },
    });
    expect(taskToWire({ ...evaluate, codec: 'plain-f32', encryption: null })).toMatchObject({ codec: 'plain-f32', encryption: null });
  });

  it('maps the end of a study, naming its number of rounds as the round', () => {
    const failed: StudyFinishedTask = {
      kind: 'study-finished',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      rounds: 10,
      status: 'failed',
      message: 'round 4 diverged',
    };
    expect(taskToWire(failed)).toEqual({
      kind: 'TASK_KIND_STUDY_FINISHED',
      studyId: 'study-1',
      dataset: 'fed-heart-disease',
      round: 10,
      studyStatus: 'failed',
      message: 'round 4 diverged',
    });
    expect(taskToWire({ ...failed, status: 'completed', message: 'completed 10 rounds' })).toMatchObject({
      studyStatus: 'completed',
      message: 'completed 10 rounds',
    });
  });

  it("counts a logistic regression model's parameters", () => {
    expect(modelSpecToWire({ architecture: 'logistic-regression', inputDim: 13, hiddenUnits: [], outputDim: 1 })).toEqual({
      architecture: 'logistic-regression',
      inputDim: 13,
      hiddenUnits: [],
      outputDim: 1,
      numParameters: 14,
      statistics: 0,
      timeGrid: [],
    });
  });

  it('counts a statistics block among the parameters and names its length', () => {
    const wire = modelSpecToWire({ architecture: 'cox-linear', inputDim: 3, hiddenUnits: [], outputDim: 1, statistics: 10 });
    expect(wire.numParameters).toBe(4 + 10);
    expect(wire.statistics).toBe(10);
  });

  it("counts a cox-newton model's baseline block and sends its time grid", () => {
    const wire = modelSpecToWire({ architecture: 'cox-newton', inputDim: 3, hiddenUnits: [], outputDim: 1, timeGrid: [30, 60] });
    // β, the Newton statistics and the weight (15), then the grid block: 2 x (3 + 3) + 3 x 3 + 1.
    expect(wire.numParameters).toBe(15 + 22);
    expect(wire.timeGrid).toEqual([30, 60]);
  });
});
