import { Module } from '@nestjs/common';
import { FederationModule } from '../federation/federation.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { AuditController } from './audit.controller.js';

/** Read-only HTTP for auditors: per-clinic budgets and signed ledgers. */
@Module({
  imports: [FederationModule, LedgerModule],
  controllers: [AuditController],
})
export class AuditModule {}
