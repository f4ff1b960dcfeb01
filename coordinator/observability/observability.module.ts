import { Module } from '@nestjs/common';
import { FederationModule } from '../federation/federation.module.js';
import { HealthController } from '../health/health.controller.js';
import { Readiness } from '../health/readiness.js';
import { MetricsController } from './metrics.controller.js';
import { CoordinatorMetrics } from './metrics.js';

/** /health, /ready and /metrics. */
@Module({
  imports: [FederationModule],
  controllers: [HealthController, MetricsController],
  providers: [CoordinatorMetrics, Readiness],
  exports: [CoordinatorMetrics, Readiness],
})
export class ObservabilityModule {}
