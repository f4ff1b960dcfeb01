import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { TaskHub } from '../clinics/task-hub.js';
import { Evaluations } from '../evaluations/evaluations.js';
import { KeysModule } from '../keys/keys.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { ENTITIES } from '../persistence/data-source.js';
import { InProcessStudyLock, STUDY_LOCK } from '../persistence/study-lock.js';
import { EncryptedAggregates } from '../protocols/encrypted-aggregates.js';
import { SecAggRounds } from '../protocols/secagg-rounds.js';
import { FederationController } from './federation.controller.js';
import { FederationService } from './federation.service.js';
import { SecAggStages } from './secagg-stages.js';
import { TaskBuilder } from './task-builder.js';
import { UpdateProtocols } from './update-protocols.js';
import { UploadValidator } from './upload-validator.js';

@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES), KeysModule, LedgerModule],
  controllers: [FederationController],
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
    { provide: STUDY_LOCK, useClass: InProcessStudyLock },
  ],
  exports: [FederationService, KeysModule],
})
export class FederationModule {}
