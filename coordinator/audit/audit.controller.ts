import { Controller, Get, Param, UseFilters } from '@nestjs/common';
import { cardToJson } from '../../crypto/index.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { Read } from '../http/roles.js';
import { StudyRecords } from '../federation/study-records.js';
import { LedgerService } from '../ledger/ledger.service.js';

/**
 * Read-only HTTP for auditors (auditor or operator token): every clinic's budget, and each clinic's
 * ledger as the clinic signed it, with its enrolled card and the rounds of differentially private
 * studies it contributed updates to, so `cohort audit verify` can recompute everything and notice
 * an update without a spend.
 */
@Controller('audit')
@Read()
@UseFilters(HttpErrorsFilter)
export class AuditController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly records: StudyRecords,
  ) {}

  @Get('clinics')
  async budgets() {
    return this.ledger.budgets();
  }

  @Get('clinics/:id/ledger')
  async ledgerOf(@Param('id') clinicId: string) {
    const { card, entries } = await this.ledger.ledgerOf(clinicId);
    return { clinicId, card: cardToJson(card), entries, contributions: await this.records.privateContributions(clinicId) };
  }
}
