import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { TaskHub } from '../clinics/task-hub.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { KeysModule } from '../keys/keys.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { ENTITIES } from '../persistence/data-source.js';
import { EncryptedAggregates } from '../protocols/encrypted-aggregates.js';
import { SecAggRounds } from '../protocols/secagg-rounds.js';
import { SecAggStages } from './secagg-stages.js';
import { UpdateProtocols } from './update-protocols.js';
import { RoundMachines } from '../rounds/round-machines.js';
import { RoundStore } from '../rounds/round-store.js';
import { ClinicTasks } from './clinic-tasks.js';
import { EnrolmentController } from '../keys/enrolment.controller.js';
import { FederationController } from './federation.controller.js';
import { FederationEventBus } from './federation-events.js';
import { RoundRunner } from './round-runner.js';
import { FederationService } from './federation.service.js';
import { StudyRecords } from './study-records.js';
import { TaskBuilder } from './task-builder.js';
import { UploadValidator } from './upload-validator.js';
import { InProcessStudyLock, STUDY_LOCK } from '../persistence/study-lock.js';

@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES), KeysModule, LedgerModule],
  controllers: [FederationController, EnrolmentController],
  providers: [
    FederationService,
    TaskHub,
    ClinicRegistry,
    Evaluations,
    EncryptedAggregates,
    SecAggRounds,
    UpdateProtocols,
    SecAggStages,
    TaskBuilder,
    UploadValidator,
    RoundStore,
    RoundMachines,
    ClinicTasks,
    StudyRecords,
    RoundRunner,
    FederationEventBus,
    { provide: STUDY_LOCK, useClass: InProcessStudyLock },
  ],
  exports: [FederationService, StudyRecords, KeysModule, TaskHub, FederationEventBus],
})
export class FederationModule {}
