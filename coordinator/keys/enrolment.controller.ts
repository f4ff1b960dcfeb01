import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, UseFilters } from '@nestjs/common';
import { cardFromJson, cardToJson, fingerprint } from '../../crypto/index.js';
import { HttpErrorsFilter } from '../http/http-errors.filter.js';
import { Read, Write } from '../http/roles.js';
import { KeysService } from './keys.service.js';

/**
 * HTTP for operators: enrol clinics by their public card and revoke them, see who is enrolled and
 * who holds a study's key. Only an enrolled clinic in good standing can call the coordinator at all.
 */
@Controller()
@Read()
@UseFilters(HttpErrorsFilter)
export class EnrolmentController {
  constructor(private readonly keys: KeysService) {}

  /** Clinics in good standing, as cards. */
  @Get('clinics/enrolled')
  async enrolled() {
    return (await this.keys.enrolled()).map(cardToJson);
  }

  /** Every enrolment, revoked ones included. */
  @Get('clinics')
  async enrolments() {
    return (await this.keys.enrolments()).map(({ card, enrolledAt, revokedAt, revocationReason }) => ({
      ...cardToJson(card),
      fingerprint: fingerprint(card),
      enrolledAt: new Date(enrolledAt).toISOString(),
      revokedAt: revokedAt === null ? null : new Date(revokedAt).toISOString(),
      revocationReason,
    }));
  }

  @Post('clinics/enrolled')
  @Write()
  @HttpCode(201)
  async enrol(@Body() body: unknown) {
    return this.keys.enrol(cardFromJson(body));
  }

  /** Body: `{ "reason": "..." }`. From now on the clinic's calls are refused. */
  @Post('clinics/:id/revoke')
  @Write()
  @HttpCode(200)
  async revoke(@Param('id') clinicId: string, @Body() body: unknown) {
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim() === '') throw new BadRequestException('a revocation needs a reason: {"reason": "..."}');
    const revoked = await this.keys.revoke(clinicId, reason.trim());
    return { ...revoked, revokedAt: new Date(revoked.revokedAt).toISOString() };
  }

  @Get('studies/:id/keys')
  async status(@Param('id') id: string) {
    return this.keys.status(id);
  }
}
