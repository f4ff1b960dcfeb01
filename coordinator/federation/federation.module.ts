import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysModule } from '../keys/keys.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { ENTITIES } from '../persistence/data-source.js';
import { EncryptedAggregates } from './encrypted-aggregates.js';
import { FederationController } from './federation.controller.js';
import { FederationService } from './federation.service.js';
import { SecAggRounds } from './secagg-rounds.js';
import { TaskHub } from './task-hub.js';

@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES), KeysModule, LedgerModule],
  controllers: [FederationController],
  providers: [FederationService, TaskHub, EncryptedAggregates, SecAggRounds],
  exports: [FederationService, KeysModule],
})
export class FederationModule {}
