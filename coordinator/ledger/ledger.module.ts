import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeysModule } from '../keys/keys.module.js';
import { ENTITIES } from '../persistence/data-source.js';
import { LedgerGrpcController } from './ledger.grpc-controller.js';
import { LedgerService } from './ledger.service.js';

/** The coordinator's copy of the clinics' signed privacy ledgers (privacy `dp` and `he+dp`). */
@Module({
  imports: [TypeOrmModule.forFeature(ENTITIES), KeysModule],
  controllers: [LedgerGrpcController],
  providers: [LedgerService],
  exports: [LedgerService],
})
export class LedgerModule {}
