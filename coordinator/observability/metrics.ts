/**
 * The coordinator's Prometheus metrics, in a registry of its own (never prom-client's global one,
 * so two coordinators in one process do not mix). Counters count events as they happen in this
 * process; the gauges named "from the database" are read at each scrape, so they survive restarts.
 * docs/operations.md lists every metric.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { TaskHub } from '../clinics/task-hub.js';
import { LedgerEntryEntity } from '../persistence/entities/ledger-entry.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { epsilonByStudy } from './epsilon-by-study.js';

/** What the gRPC interceptor reports about a refused call. */
export interface Refusal {
  /** The gRPC status name (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, ...). */
  code: string;
  /** `/cohort.v1.Federation/Register`, ... */
  method: string;
  /** `admission`: refused by the interceptor before any handler (signature, enrolment, limits); `handler`: by the service. */
  stage: 'admission' | 'handler';
}

@Injectable()
export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly refusals = new Counter({
    name: 'cohort_grpc_refusals_total',
    help: 'gRPC calls refused, by status code (the reason), method and stage (admission: signature, enrolment, limits; handler: the service)',
    labelNames: ['code', 'method', 'stage'] as const,
    registers: [this.registry],
  });
  readonly handshakesRefused = new Counter({
    name: 'cohort_tls_handshakes_refused_total',
    help: 'TLS handshakes on the gRPC port that failed (no or untrusted client certificate under mTLS, wrong protocol, timeout)',
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: 'cohort_grpc_connections_refused_total',
    help: 'gRPC connections closed at once because their address already held maxConnectionsPerAddress',
    registers: [this.registry],
  });
  readonly updatesReceived = new Counter({
    name: 'cohort_updates_received_total',
    help: 'model updates received and acknowledged (UploadUpdate calls that succeeded)',
    registers: [this.registry],
  });
  readonly bytesReceived = new Counter({
    name: 'cohort_update_bytes_received_total',
    help: 'bytes of update payload received in UploadUpdate chunks (acknowledged or not)',
    registers: [this.registry],
  });

  constructor(@InjectDataSource() db: DataSource, hub: TaskHub) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cohort_' });
    new Gauge({
      name: 'cohort_clinics_connected',
      help: 'clinics with an open task stream now',
      registers: [this.registry],
      collect() {
        this.set(hub.connectedClinics().length);
      },
    });
    new Gauge({
      name: 'cohort_rounds',
      help: 'rounds by status (open, closed, failed), from the database: opened = the sum, closed and failed = how they ended',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await db
          .getRepository(RoundEntity)
          .createQueryBuilder('r')
          .select('r.status', 'status')
          .addSelect('COUNT(*)', 'n')
          .groupBy('r.status')
          .getRawMany<{ status: string; n: string | number }>();
        for (const status of ['open', 'closed', 'failed']) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
      },
    });
    new Gauge({
      name: 'cohort_study_epsilon_spent',
      help: "per study and clinic: how much the clinic's total epsilon (its signed ledger, as verified by the coordinator) rose over the study's spends",
      labelNames: ['study', 'clinic'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db
          .getRepository(LedgerEntryEntity)
          .find({ select: ['clinicId', 'seq', 'studyId', 'kind', 'body'], order: { clinicId: 'ASC', seq: 'ASC' } });
        for (const { studyId, clinicId, epsilon } of epsilonByStudy(rows)) this.set({ study: studyId, clinic: clinicId }, epsilon);
      },
    });
    new Gauge({
      name: 'cohort_clinic_epsilon_total',
      help: 'per clinic: its total epsilon over every study after its last spend, as its verified ledger states it, and its cap',
      labelNames: ['clinic', 'kind'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await db.getRepository(LedgerEntryEntity).find({ select: ['clinicId', 'seq', 'body'], order: { clinicId: 'ASC', seq: 'ASC' } });
        const last = new Map<string, { epsilon: number; capEpsilon: number }>();
        for (const row of rows) last.set(row.clinicId, JSON.parse(row.body) as { epsilon: number; capEpsilon: number });
        for (const [clinic, entry] of last) {
          this.set({ clinic, kind: 'spent' }, entry.epsilon);
          this.set({ clinic, kind: 'cap' }, entry.capEpsilon);
        }
      },
    });
  }

  refused(refusal: Refusal): void {
    this.refusals.inc({ code: refusal.code, method: refusal.method, stage: refusal.stage });
  }
}
