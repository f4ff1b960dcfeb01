import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { FederationError } from '../../common/errors.js';
import { cardFromJson, cardToJson, IdentityError } from '../../crypto/index.js';
import { requireBearerToken } from '../auth/bearer-token.js';
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
    requireBearerToken(this.options.operatorToken, authorization, { role: 'operator', enableWith: '--operator-token (or COHORT_OPERATOR_TOKEN)' });
  }
}
