import { Controller, Get, Header, Headers, Inject, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { BEARER } from '../http/openapi.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';
import { CoordinatorMetrics } from './metrics.js';

/** `GET /metrics`: Prometheus's text format. Public unless the coordinator has a metrics token (CoordinatorOptions.metricsToken). */
@Controller('metrics')
@ApiTags('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: CoordinatorMetrics,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics; public unless the coordinator has a metrics token' })
  @ApiBearerAuth(BEARER)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: "Prometheus's text format" })
  @ApiUnauthorizedResponse({ description: 'a metrics token is set and this request lacks it' })
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    const token = this.options.metricsToken;
    if (token && !sameToken(/^Bearer +(.+)$/i.exec(authorization ?? '')?.[1], token)) {
      throw new UnauthorizedException(
        'GET /metrics needs the metrics token: Authorization: Bearer <token> (bearer_token_file in the Prometheus scrape config)',
      );
    }
    return this.metrics.registry.metrics();
  }
}

function sameToken(given: string | undefined, wanted: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}
