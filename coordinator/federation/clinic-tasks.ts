import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Observable } from 'rxjs';
import type { Repository } from 'typeorm';
import type { ClinicTask } from '../clinics/clinic-task.js';
import { TaskHub } from '../clinics/task-hub.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { LedgerService } from '../ledger/ledger.service.js';
import type { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { TaskBuilder } from './task-builder.js';
import { UpdateProtocols } from './update-protocols.js';

/**
 * A clinic's task stream (WatchTasks): first what it missed while it or the coordinator was away,
 * then whatever rounds bring (TaskHub).
 */
@Injectable()
export class ClinicTasks {
  constructor(
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    private readonly hub: TaskHub,
    private readonly ledger: LedgerService,
    private readonly protocols: UpdateProtocols,
    private readonly tasks: TaskBuilder,
    private readonly evaluations: Evaluations,
  ) {}

  /** The clinic's task stream: pending tasks first, then whatever rounds bring. */
  watch(clinic: ClinicEntity): Observable<ClinicTask> {
    return this.hub.watch(clinic.id, () => this.pending(clinic));
  }

  /**
   * What a (re)connecting clinic missed: the TRAIN task of each open round it has not answered, then
   * the evaluation it owes and the end it may not have heard.
   */
  private async pending(clinic: ClinicEntity): Promise<ClinicTask[]> {
    return [...(await this.pendingTraining(clinic)), ...(await this.missedEvaluations(clinic))];
  }

  /** The evaluation the clinic owes of each study, and for a study that has ended, its end. */
  private async missedEvaluations(clinic: ClinicEntity): Promise<ClinicTask[]> {
    const tasks: ClinicTask[] = [];
    for (const { study, version } of await this.evaluations.owedBy(clinic)) {
      tasks.push(await this.tasks.evaluate(study, version));
      if (study.status !== 'running') tasks.push(this.tasks.finished(study));
    }
    return tasks;
  }

  private async pendingTraining(clinic: ClinicEntity): Promise<ClinicTask[]> {
    const open = await this.rounds.findBy({ status: 'open' });
    const tasks: ClinicTask[] = [];
    for (const round of open) {
      if (!round.participants.includes(clinic.id)) continue;
      if (await this.updates.existsBy({ studyId: round.studyId, round: round.number, clinicId: clinic.id })) continue;
      if ((await this.ledger.refusedBy(round.studyId, round.number)).has(clinic.id)) continue;
      const study = await this.studies.findOneByOrFail({ id: round.studyId });
      const extras = await this.protocols.for(study).rejoin(round, clinic.id);
      if (extras) tasks.push(this.tasks.train(study, round, clinic.id, extras));
    }
    return tasks;
  }
}
