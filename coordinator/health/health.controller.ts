import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';

const startedAt = Date.now();

/** Liveness for operators and orchestrators: 200 while the database answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  @Get()
  async health() {
    try {
      await this.db.query('SELECT 1');
    } catch (error) {
      throw new ServiceUnavailableException({ status: 'unavailable', database: (error as Error).message });
    }
    return { status: 'ok', database: 'up', grpcPort: this.options.grpcPort, uptimeS: Math.round((Date.now() - startedAt) / 1000) };
  }
}
