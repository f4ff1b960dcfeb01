import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { timingSafeEqual } from 'node:crypto';
import { FederationError } from '../../common/errors.js';
import { cardFromJson, cardToJson, IdentityError } from '../../crypto/index.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';
import { KeysService } from './keys.service.js';

/**
 * HTTP for operators: enrol clinics by their public card (operator token required) and see who
 * holds a study's key. Public keys and key holders are not secret; enrolment changes who may hold keys.
 */
@Controller()
export class EnrolmentController {
  constructor(
    private readonly keys: KeysService,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  @Get('clinics/enrolled')
  async enrolled() {
    return (await this.keys.enrolled()).map(cardToJson);
  }

  @Post('clinics/enrolled')
  @HttpCode(201)
  async enrol(@Body() body: unknown, @Headers('authorization') authorization: string | undefined) {
    this.requireOperator(authorization);
    try {
      return await this.keys.enrol(cardFromJson(body));
    } catch (error) {
      if (error instanceof IdentityError || error instanceof FederationError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get('studies/:id/keys')
  async status(@Param('id') id: string) {
    try {
      return await this.keys.status(id);
    } catch (error) {
      if (error instanceof FederationError) {
        throw error.code === status.NOT_FOUND ? new NotFoundException(error.message) : new ConflictException(error.message);
      }
      throw error;
    }
  }

  private requireOperator(authorization: string | undefined): void {
    const token = this.options.operatorToken;
    if (!token) throw new ForbiddenException('enrolment over HTTP is off: start the coordinator with --operator-token (or COHORT_OPERATOR_TOKEN)');
    const given = Buffer.from(authorization?.replace(/^Bearer /, '') ?? '');
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('enrolment needs the operator token: Authorization: Bearer <token>');
    }
  }
}
