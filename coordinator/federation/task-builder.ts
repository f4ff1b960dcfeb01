import { Injectable } from '@nestjs/common';
import { parameterCount, type ModelSpec } from '../../common/model-spec.js';
import { deriveSeed } from '../../common/random.js';
import type { Task } from '../../protos/generated/cohort/v1/Task.js';
import { createStrategy } from '../../strategies/index.js';
import { strategyToWire } from '../../wire/strategy-wire.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import type { StudyEntity } from '../persistence/entities/study.entity.js';
import type { TrainExtras } from '../protocols/update-protocol.js';
import { UpdateProtocols } from './update-protocols.js';

/** The model's architecture as tasks and downloads describe it, with its parameter count. */
export function modelSpecMessage(model: ModelSpec) {
  return { ...model, numParameters: parameterCount(model) };
}

/** Builds the tasks clinics receive; what depends on the privacy mode comes from the study's protocol. */
@Injectable()
export class TaskBuilder {
  constructor(private readonly protocols: UpdateProtocols) {}

  /** Train round `round` of the study from its previous version, as `extras` (from the protocol's openRound or rejoin) say. */
  train(study: StudyEntity, round: RoundEntity, clinicId: string, extras: TrainExtras): Task {
    const protocol = this.protocols.for(study);
    return {
      kind: 'TASK_KIND_TRAIN',
      studyId: study.id,
      dataset: study.dataset,
      round: round.number,
      modelVersion: round.number - 1,
      model: modelSpecMessage(study.model),
      training: { ...study.training, seed: deriveSeed(study.seed, clinicId, round.number) },
      privacy: study.privacy,
      codec: protocol.updateCodec,
      deadlineUnixMs: round.deadlineAt,
      strategy: strategyToWire(study.strategy),
      fitConfig: createStrategy(study.strategy).fitConfig(round.number),
      encryption: extras.encryption,
      participants: round.participants.length,
      dp: protocol.dp.spec(),
      secagg: extras.secagg,
    };
  }

  /** Evaluate model version `version` of the study on the clinic's test data. */
  async evaluate(study: StudyEntity, version: number): Promise<Task> {
    const { codec, encryption } = await this.protocols.for(study).modelExtras();
    return {
      kind: 'TASK_KIND_EVALUATE',
      studyId: study.id,
      dataset: study.dataset,
      round: version,
      modelVersion: version,
      model: modelSpecMessage(study.model),
      codec,
      strategy: strategyToWire(study.strategy),
      encryption,
    };
  }

  /** The study ended (completed, or failed with its error). */
  finished(study: StudyEntity): Task {
    return {
      kind: 'TASK_KIND_STUDY_FINISHED',
      studyId: study.id,
      dataset: study.dataset,
      round: study.rounds,
      studyStatus: study.status === 'completed' ? 'completed' : 'failed',
      message: study.error ?? `completed ${study.rounds} rounds`,
    };
  }
}
