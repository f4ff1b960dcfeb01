import { Injectable } from '@nestjs/common';
import { deriveSeed } from '../../common/random.js';
import { createStrategy } from '../../strategies/index.js';
import type { EvaluateTask, StudyFinishedTask, TrainTask } from '../clinics/clinic-task.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import type { StudyEntity } from '../persistence/entities/study.entity.js';
import type { TrainExtras } from '../protocols/update-protocol.js';
import { UpdateProtocols } from './update-protocols.js';

/** Builds the tasks clinics receive; what depends on the privacy mode comes from the study's protocol. */
@Injectable()
export class TaskBuilder {
  constructor(private readonly protocols: UpdateProtocols) {}

  /** Train round `round` of the study from its previous version, as `extras` (from the protocol's openRound or rejoin) say. */
  train(study: StudyEntity, round: RoundEntity, clinicId: string, extras: TrainExtras): TrainTask {
    const protocol = this.protocols.for(study);
    return {
      kind: 'train',
      studyId: study.id,
      dataset: study.dataset,
      round: round.number,
      modelVersion: round.number - 1,
      model: study.model,
      training: { ...study.training, seed: deriveSeed(study.seed, clinicId, round.number) },
      privacy: study.privacy,
      codec: protocol.updateCodec,
      deadlineAt: round.deadlineAt,
      strategy: study.strategy,
      fitConfig: createStrategy(study.strategy).fitConfig(round.number),
      participants: round.participants.length,
      encryption: extras.encryption,
      dp: protocol.dp.spec(),
      secagg: extras.secagg,
    };
  }

  /** Evaluate model version `version` of the study on the clinic's test data. */
  async evaluate(study: StudyEntity, version: number): Promise<EvaluateTask> {
    const { codec, encryption } = await this.protocols.for(study).modelExtras();
    return {
      kind: 'evaluate',
      studyId: study.id,
      dataset: study.dataset,
      modelVersion: version,
      model: study.model,
      codec,
      strategy: study.strategy,
      encryption,
    };
  }

  /** The study ended (completed, or failed with its error). */
  finished(study: StudyEntity): StudyFinishedTask {
    return {
      kind: 'study-finished',
      studyId: study.id,
      dataset: study.dataset,
      rounds: study.rounds,
      status: endedStatus(study),
      message: study.error ?? (study.status === 'cancelled' ? 'cancelled by the operator' : `completed ${study.rounds} rounds`),
    };
  }
}

/** How an ended study ended, as its clinics and the event bus are told. */
export function endedStatus(study: StudyEntity): 'completed' | 'failed' | 'cancelled' {
  return study.status === 'completed' || study.status === 'cancelled' ? study.status : 'failed';
}
