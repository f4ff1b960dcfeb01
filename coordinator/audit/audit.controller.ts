import { BadRequestException, Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { cardToJson } from '../../crypto/index.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { Read } from '../http/roles.js';
import { StudyRecords } from '../federation/study-records.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { AuditReportService } from './audit-report.service.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from './privacy-report.js';

const CONTENT_TYPES: Record<ReportFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
};

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
    private readonly reports: AuditReportService,
  ) {}

  /**
   * The privacy report: every clinic's budget and its spend per study, from the verified ledgers, with
   * each column explained. `?format=json` (default), `csv` or `markdown`.
   */
  @Get('report')
  async report(@Query('format') format: string | undefined, @Res({ passthrough: true }) response: { type(contentType: string): unknown }) {
    const chosen = (format ?? 'json') as ReportFormat;
    if (!REPORT_FORMATS.includes(chosen)) throw new BadRequestException(`format must be one of ${REPORT_FORMATS.join(', ')}, got "${format}"`);
    response.type(CONTENT_TYPES[chosen]);
    return renderReport(await this.reports.report(), chosen);
  }

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
