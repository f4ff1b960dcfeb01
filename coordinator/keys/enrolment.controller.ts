import { didYouMean } from '../../common/closest-key.js';
import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import { cardFromJson, cardToJson, fingerprint } from '../../crypto/index.js';
import { ClinicApprovals, checkedApproval, type Approval, type ApprovalRecord } from '../clinics/clinic-approvals.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { ApiRoleGuarded } from '../http/openapi.js';
import { Read, Write } from '../http/roles.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { KeysService } from './keys.service.js';

/**
 * HTTP for operators: enrol clinics by their public card, approve the site and record counts each
 * serves, revoke them, see who is enrolled and who holds a study's key. Only an enrolled clinic in
 * good standing can call the coordinator at all, and only an approved one is asked to train.
 */
@Controller()
@Read()
@ApiRoleGuarded('clinics')
@UseFilters(HttpErrorsFilter)
export class EnrolmentController {
  constructor(
    private readonly keys: KeysService,
    private readonly approvals: ClinicApprovals,
    private readonly registry: ClinicRegistry,
  ) {}

  /** Clinics in good standing, as cards. */
  @Get('clinics/enrolled')
  @ApiOperation({ summary: 'Clinics in good standing, as cards' })
  @ApiOkResponse({ description: 'the cards' })
  async enrolled() {
    return (await this.keys.enrolled()).map(cardToJson);
  }

  /**
   * Every enrolment, revoked ones included, with its approval, what its node last registered with,
   * whether it is connected now and when its task stream last opened or closed.
   */
  @Get('clinics')
  @ApiOperation({ summary: 'Every enrolment, revoked ones included, with its approval' })
  @ApiOkResponse({ description: 'the enrolments' })
  async enrolments() {
    const [approvals, presence] = await Promise.all([this.approvals.all(), this.registry.presence()]);
    return (await this.keys.enrolments()).map(({ card, enrolledAt, revokedAt, revocationReason }) => ({
      ...cardToJson(card),
      fingerprint: fingerprint(card),
      enrolledAt: new Date(enrolledAt).toISOString(),
      revokedAt: revokedAt === null ? null : new Date(revokedAt).toISOString(),
      revocationReason,
      approval: approvalJson(approvals.get(card.clinicId)),
      registration: presence.get(card.clinicId)?.registration ?? null,
      connected: presence.get(card.clinicId)?.connected ?? false,
      lastSeenAt: presence.get(card.clinicId)?.lastSeenAt ?? null,
    }));
  }

  /**
   * Body: a clinic's card, and optionally `"approved": { "dataset", "site", "numTrain", "numTest" }`
   * (else the clinic waits for `POST /clinics/:id/approve`). The approval is checked before the card
   * is enrolled.
   */
  @Post('clinics/enrolled')
  @Write()
  @HttpCode(201)
  @ApiOperation({ summary: 'Enrols a clinic by its public card, optionally approving its site and record counts' })
  @ApiCreatedResponse({ description: 'the enrolment and its approval (null until approved)' })
  @ApiBadRequestResponse({ description: 'a malformed card or approval' })
  @ApiConflictResponse({ description: 'the clinic id is taken by another card, or the site by another clinic' })
  async enrol(@Body() body: unknown) {
    const { approved, ...cardJson } = (body ?? {}) as { approved?: unknown };
    const card = cardFromJson(cardJson);
    const figures = approved === undefined ? null : checkedApproval(approvalFrom(approved));
    if (figures) await this.approvals.checkSiteFree(card.clinicId, figures);
    const enrolled = await this.keys.enrol(card);
    // Without figures the answer shows the approval the clinic already has, if any.
    const approval = figures ? await this.approvals.approve(card.clinicId, figures) : await this.approvals.of(card.clinicId);
    return { ...enrolled, approval: approvalJson(approval) };
  }

  /**
   * Body: `{ "dataset", "site", "numTrain", "numTest" }`, the most records the clinic may declare, or
   * `{ "declared": true }` to approve what it registered with. Approving again replaces the figures.
   */
  @Post('clinics/:id/approve')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: "Approves a clinic's site and most records (or what it declared); again replaces them" })
  @ApiParam({ name: 'id', description: 'the clinic id' })
  @ApiOkResponse({ description: 'the approval' })
  @ApiBadRequestResponse({ description: 'a malformed approval' })
  @ApiNotFoundResponse({ description: 'no such clinic' })
  @ApiConflictResponse({ description: 'the site is held by another clinic, or `declared` before the clinic registered' })
  async approve(@Param('id') clinicId: string, @Body() body: unknown) {
    const declared = (body as { declared?: unknown } | null)?.declared === true;
    return approvalJson(await this.approvals.approve(clinicId, declared ? 'declared' : approvalFrom(body)));
  }

  /** Body: `{ "reason": "..." }`. From now on the clinic's calls are refused. */
  @Post('clinics/:id/revoke')
  @Write()
  @HttpCode(200)
  @ApiOperation({ summary: "Revokes a clinic's enrolment, with a reason: its calls are refused from now on" })
  @ApiParam({ name: 'id', description: 'the clinic id' })
  @ApiOkResponse({ description: 'the revoked enrolment' })
  @ApiBadRequestResponse({ description: 'no reason given' })
  @ApiNotFoundResponse({ description: 'no such clinic' })
  async revoke(@Param('id') clinicId: string, @Body() body: unknown) {
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim() === '') throw new BadRequestException('a revocation needs a reason: {"reason": "..."}');
    const revoked = await this.keys.revoke(clinicId, reason.trim());
    return { ...revoked, revokedAt: new Date(revoked.revokedAt).toISOString() };
  }

  @Get('studies/:id/keys')
  @ApiOperation({ summary: "Who holds a study's key: its key status per clinic" })
  @ApiParam({ name: 'id', description: 'the study id' })
  @ApiOkResponse({ description: 'the key status' })
  @ApiNotFoundResponse({ description: 'no such study' })
  async status(@Param('id') id: string) {
    return this.keys.status(id);
  }
}

const APPROVAL_FIELDS = ['dataset', 'site', 'numTrain', 'numTest'];

function approvalFrom(body: unknown): Approval {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('an approval is an object: {"dataset": ..., "site": ..., "numTrain": ..., "numTest": ...} or {"declared": true}');
  }
  const { dataset, site, numTrain, numTest, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    const named = unknown.map((key) => key + didYouMean(key, APPROVAL_FIELDS));
    throw new BadRequestException(`an approval has dataset, site, numTrain and numTest; unknown: ${named.join(', ')}`);
  }
  return { dataset, site, numTrain, numTest } as Approval;
}

function approvalJson(record: ApprovalRecord | undefined | null) {
  if (!record) return null;
  const { dataset, site, numTrain, numTest, source, approvedAt } = record;
  return { dataset, site, numTrain, numTest, source, approvedAt: new Date(approvedAt).toISOString() };
}
