import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ENTITIES } from '../persistence/data-source.js';
import { EnrolmentController } from './enrolment.controller.js';
import { KeysGrpcController } from './keys.grpc-controller.js';
import { KeysService } from './keys.service.js';

/** Key custody: clinic enrolment and the relay of sealed study keys (privacy `he`). */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  controllers: [KeysGrpcController, EnrolmentController],
  providers: [KeysService],
  exports: [KeysService],
})
export class KeysModule {}
