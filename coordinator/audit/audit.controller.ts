import { Controller, Get, Headers, Inject, NotFoundException, Param } from '@nestjs/common';
import { FederationError } from '../../common/errors.js';
import { cardToJson } from '../../crypto/index.js';
import { requireBearerToken } from '../auth/bearer-token.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';
import { FederationService } from '../federation/federation.service.js';
import { LedgerService } from '../ledger/ledger.service.js';

/**
 * Read-only HTTP for auditors (auditor token required): every clinic's budget, and each clinic's
 * ledger as the clinic signed it, with its enrolled card and the rounds of differentially private
 * studies it contributed updates to, so `cohort audit verify` can recompute everything and notice
 * an update without a spend.
 */
@Controller('audit')
export class AuditController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly federation: FederationService,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  @Get('clinics')
  async budgets(@Headers('authorization') authorization: string | undefined) {
    this.requireAuditor(authorization);
    return this.ledger.budgets();
  }

  @Get('clinics/:id/ledger')
  async ledgerOf(@Param('id') clinicId: string, @Headers('authorization') authorization: string | undefined) {
    this.requireAuditor(authorization);
    try {
      const { card, entries } = await this.ledger.ledgerOf(clinicId);
      return { clinicId, card: cardToJson(card), entries, contributions: await this.federation.privateContributions(clinicId) };
    } catch (error) {
      if (error instanceof FederationError) throw new NotFoundException(error.message);
      throw error;
    }
  }

  private requireAuditor(authorization: string | undefined): void {
    requireBearerToken(this.options.auditorToken, authorization, { role: 'auditor', enableWith: '--auditor-token (or COHORT_AUDITOR_TOKEN)' });
  }
}
