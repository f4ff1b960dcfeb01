import { BadRequestException, Body, ConflictException, Controller, ForbiddenException, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { FederationError } from '../../common/errors.js';
import { cardFromJson, cardToJson, fingerprint, IdentityError } from '../../crypto/index.js';
import { Read, Write } from '../auth/roles.js';
import { KeysService } from './keys.service.js';

/**
 * HTTP for operators: enrol clinics by their public card and revoke them, see who is enrolled and
 * who holds a study's key. Only an enrolled clinic in good standing can call the coordinator at all.
 */
@Controller()
@Read()
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
    return httpErrors(() => this.keys.enrol(cardFromJson(body)));
  }

  /** Body: `{ "reason": "..." }`. From now on the clinic's calls are refused. */
  @Post('clinics/:id/revoke')
  @Write()
  @HttpCode(200)
  async revoke(@Param('id') clinicId: string, @Body() body: unknown) {
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (typeof reason !== 'string' || reason.trim() === '') throw new BadRequestException('a revocation needs a reason: {"reason": "..."}');
    const revoked = await httpErrors(() => this.keys.revoke(clinicId, reason.trim()));
    return { ...revoked, revokedAt: new Date(revoked.revokedAt).toISOString() };
  }

  @Get('studies/:id/keys')
  async status(@Param('id') id: string) {
    return httpErrors(() => this.keys.status(id));
  }
}

/** Refusals of the key service as HTTP errors. */
async function httpErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IdentityError) throw new BadRequestException(error.message);
    if (!(error instanceof FederationError)) throw error;
    switch (error.code) {
      case status.NOT_FOUND:
        throw new NotFoundException(error.message);
      case status.PERMISSION_DENIED:
        throw new ForbiddenException(error.message);
      case status.INVALID_ARGUMENT:
        throw new BadRequestException(error.message);
      default:
        throw new ConflictException(error.message);
    }
  }
}
