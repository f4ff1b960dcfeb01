import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FederationModule } from '../federation/federation.module.js';
import { ENTITIES } from '../persistence/data-source.js';
import { StudiesController } from './studies.controller.js';
import { LiveStreams } from './live-streams.js';
import { StudiesService } from './studies.service.js';

@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES), FederationModule],
  controllers: [StudiesController],
  providers: [StudiesService, LiveStreams],
})
export class StudiesModule {}
