import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClinicApprovals } from '../clinics/clinic-approvals.js';
import { ENTITIES } from '../persistence/data-source.js';
import { KeysGrpcController } from './keys.grpc-controller.js';
import { KeysService } from './keys.service.js';

/** Key custody: clinic enrolment and approval, and the relay of sealed study keys (privacy `he`). Its HTTP face, EnrolmentController, sits in FederationModule: it shows which clinics are connected. */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES)],
  controllers: [KeysGrpcController],
  providers: [KeysService, ClinicApprovals],
  exports: [KeysService, ClinicApprovals],
})
export class KeysModule {}
