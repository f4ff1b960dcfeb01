import { BadRequestException, Catch, ConflictException, ForbiddenException, HttpException, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { status } from '@grpc/grpc-js';
import { FederationError } from '../../common/errors.js';
import { IdentityError } from '../../crypto/index.js';
import { StudyConfigError } from '../config/study-config.js';

/**
 * The one place HTTP controllers' refusals become HTTP statuses, so a controller just throws what
 * its service threw. A refusal's gRPC code picks the status (not found 404, denied 403, invalid 400,
 * any other refusal 409: it conflicts with the state it met); a malformed card is a 400; an invalid
 * study is a 400 whose body lists every problem. Anything else goes on to Nest's own handling.
 */
@Catch(FederationError, IdentityError, StudyConfigError)
export class HttpErrorsFilter extends BaseExceptionFilter {
  override catch(error: FederationError | IdentityError | StudyConfigError, host: ArgumentsHost): void {
    super.catch(httpError(error), host);
  }
}

export function httpError(error: FederationError | IdentityError | StudyConfigError): HttpException {
  if (error instanceof StudyConfigError) return new BadRequestException({ message: error.message, problems: error.problems });
  if (error instanceof IdentityError) return new BadRequestException(error.message);
  switch (error.code) {
    case status.NOT_FOUND:
      return new NotFoundException(error.message);
    case status.PERMISSION_DENIED:
      return new ForbiddenException(error.message);
    case status.INVALID_ARGUMENT:
      return new BadRequestException(error.message);
    default:
      return new ConflictException(error.message);
  }
}
