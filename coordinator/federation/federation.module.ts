import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ENTITIES } from '../persistence/data-source.js';
import { FederationController } from './federation.controller.js';
import { FederationService } from './federation.service.js';
import { TaskHub } from './task-hub.js';

@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  controllers: [FederationController],
  providers: [FederationService, TaskHub],
  exports: [FederationService],
})
export class FederationModule {}
