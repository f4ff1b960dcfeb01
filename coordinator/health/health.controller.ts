import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Readiness } from './readiness.js';

const startedAt = Date.now();

/**
 * `/health` is liveness: the process answers HTTP (nothing else is asked, so a slow database does
 * not get a live coordinator restarted). `/ready` is readiness: the database answers a query, its
 * migrations are all applied, and the gRPC server listens; 503 naming what is not, otherwise.
 */
@Controller()
@ApiTags('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly readiness: Readiness,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers HTTP (public)' })
  @ApiOkResponse({ description: 'status ok and uptime in seconds' })
  health() {
    return { status: 'ok', uptimeS: Math.round((Date.now() - startedAt) / 1000) };
  }

  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Readiness: database up, migrations applied, gRPC listening (public)' })
  @ApiOkResponse({ description: 'ready, with each check' })
  @ApiServiceUnavailableResponse({ description: 'not ready, naming each check' })
  async ready() {
    const checks = { database: await this.database(), migrations: await this.migrations(), grpc: this.grpc() };
    const down = Object.entries(checks).filter(([, value]) => !['up', 'done', 'listening'].includes(value));
    if (down.length > 0) throw new ServiceUnavailableException({ status: 'not ready', ...checks });
    return { status: 'ready', ...checks };
  }

  private async database(): Promise<string> {
    try {
      await this.db.query('SELECT 1');
      return 'up';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    }
  }

  private async migrations(): Promise<string> {
    try {
      return (await this.db.showMigrations()) ? 'pending' : 'done';
    } catch (error) {
      return `unknown: ${(error as Error).message}`;
    }
  }

  private grpc(): string {
    if (this.readiness.closing) return 'closing';
    return this.readiness.grpcListening ? 'listening' : 'starting';
  }
}
