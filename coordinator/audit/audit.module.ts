import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FederationModule } from '../federation/federation.module.js';
import { LedgerModule } from '../ledger/ledger.module.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { AuditController } from './audit.controller.js';
import { AuditReportService } from './audit-report.service.js';

/** Read-only HTTP for auditors: per-clinic budgets, signed ledgers, and the privacy report. */
@Module({
  imports: [TypeOrmModule.forFeature([StudyEntity]), FederationModule, LedgerModule],
  controllers: [AuditController],
  providers: [AuditReportService],
})
export class AuditModule {}
