import type { LogLevel } from '@nestjs/common';

/** How to run a coordinator. */
export interface CoordinatorOptions {
  /** Address both servers bind. Default `127.0.0.1` (loopback); use `0.0.0.0` to serve clinics elsewhere. */
  host?: string;
  /** gRPC port for clinic nodes. Default 50051; 0 picks a free port. */
  grpcPort?: number;
  /** HTTP port for people (health, studies). Default 8080; 0 picks a free port. */
  httpPort?: number;
  /** SQLite database file, or `:memory:`. Default `.cohort/coordinator.sqlite`. */
  database?: string;
  /** Largest chunk accepted or sent on a stream, in bytes. Default 1 MiB (grpc-js refuses messages over 4 MiB). */
  maxChunkBytes?: number;
  /** Nest log levels. Default log, warn, error. `false` silences the coordinator. */
  logLevels?: LogLevel[] | false;
  /**
   * Bearer token for operator writes over HTTP (enrolling clinics). Default `COHORT_OPERATOR_TOKEN`,
   * else none: those endpoints then refuse every request.
   */
  operatorToken?: string | null;
  /**
   * Bearer token for auditors' read-only HTTP (privacy budgets and ledgers). Default
   * `COHORT_AUDITOR_TOKEN`, else none: the audit endpoints then refuse every request.
   */
  auditorToken?: string | null;
}

export type ResolvedCoordinatorOptions = Required<CoordinatorOptions>;

export const COORDINATOR_OPTIONS = Symbol('COORDINATOR_OPTIONS');
