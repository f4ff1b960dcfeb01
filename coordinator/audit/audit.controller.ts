import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { FederationError } from '../../common/errors.js';
import { cardToJson } from '../../crypto/index.js';
import { Read } from '../auth/roles.js';
import { FederationService } from '../federation/federation.service.js';
import { LedgerService } from '../ledger/ledger.service.js';

/**
 * Read-only HTTP for auditors (auditor or operator token): every clinic's budget, and each clinic's
 * ledger as the clinic signed it, with its enrolled card and the rounds of differentially private
 * studies it contributed updates to, so `cohort audit verify` can recompute everything and notice
 * an update without a spend.
 */
@Controller('audit')
@Read()
export class AuditController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly federation: FederationService,
  ) {}

  @Get('clinics')
  async budgets() {
    return this.ledger.budgets();
  }

  @Get('clinics/:id/ledger')
  async ledgerOf(@Param('id') clinicId: string) {
    try {
      const { card, entries } = await this.ledger.ledgerOf(clinicId);
      return { clinicId, card: cardToJson(card), entries, contributions: await this.federation.privateContributions(clinicId) };
    } catch (error) {
      if (error instanceof FederationError) throw new NotFoundException(error.message);
      throw error;
    }
  }
}
