import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClinicApprovals } from '../clinics/clinic-approvals.js';
import { ENTITIES } from '../persistence/data-source.js';
import { EnrolmentController } from './enrolment.controller.js';
import { KeysGrpcController } from './keys.grpc-controller.js';
import { KeysService } from './keys.service.js';

/** Key custody: clinic enrolment and approval, and the relay of sealed study keys (privacy `he`). */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  controllers: [KeysGrpcController, EnrolmentController],
  providers: [KeysService, ClinicApprovals],
  exports: [KeysService, ClinicApprovals],
})
export class KeysModule {}
