import { BadRequestException, Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery } from '@nestjs/swagger';
import { cardToJson } from '../../crypto/index.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { ApiRoleGuarded } from '../http/openapi.js';
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
@ApiRoleGuarded('audit')
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
  @ApiOperation({ summary: "The privacy report: every clinic's budget and spend per study, from the verified ledgers" })
  @ApiQuery({ name: 'format', required: false, enum: REPORT_FORMATS, description: 'json (default), csv or markdown' })
  @ApiProduces(...Object.values(CONTENT_TYPES))
  @ApiOkResponse({ description: 'the report in the chosen format' })
  @ApiBadRequestResponse({ description: 'an unknown format' })
  async report(@Query('format') format: string | undefined, @Res({ passthrough: true }) response: { type(contentType: string): unknown }) {
    const chosen = (format ?? 'json') as ReportFormat;
    if (!REPORT_FORMATS.includes(chosen)) throw new BadRequestException(`format must be one of ${REPORT_FORMATS.join(', ')}, got "${format}"`);
    response.type(CONTENT_TYPES[chosen]);
    return renderReport(await this.reports.report(), chosen);
  }

  @Get('clinics')
  @ApiOperation({ summary: "Every clinic's privacy budget and what it has spent" })
  @ApiOkResponse({ description: 'the budgets' })
  async budgets() {
    return this.ledger.budgets();
  }

  @Get('clinics/:id/ledger')
  @ApiOperation({ summary: "A clinic's signed ledger, its card, and the DP rounds it contributed to" })
  @ApiParam({ name: 'id', description: 'the clinic id' })
  @ApiOkResponse({ description: 'the ledger' })
  @ApiNotFoundResponse({ description: 'no such clinic' })
  async ledgerOf(@Param('id') clinicId: string) {
    const { card, entries } = await this.ledger.ledgerOf(clinicId);
    return { clinicId, card: cardToJson(card), entries, contributions: await this.records.privateContributions(clinicId) };
  }
}
