import type { DataSourceOptions } from 'typeorm';
import { AuditEventEntity } from './entities/audit-event.entity.js';
import { ClinicApprovalEntity } from './entities/clinic-approval.entity.js';
import { ClinicIdentityEntity } from './entities/clinic-identity.entity.js';
import { ClinicEntity } from './entities/clinic.entity.js';
import { KeyEnvelopeEntity } from './entities/key-envelope.entity.js';
import { LedgerEntryEntity } from './entities/ledger-entry.entity.js';
import { ModelVersionEntity } from './entities/model-version.entity.js';
import { RequestNonceEntity } from './entities/request-nonce.entity.js';
import { ReceivedUpdateEntity } from './entities/received-update.entity.js';
import { RoundEntity } from './entities/round.entity.js';
import { SiteMetricEntity } from './entities/site-metric.entity.js';
import { StudyKeyEntity } from './entities/study-key.entity.js';
import { StudyEntity } from './entities/study.entity.js';
import { InitialSchema1732400000000 } from './migrations/1732400000000-initial-schema.js';
import { EncryptedAggregation1732500000000 } from './migrations/1732500000000-encrypted-aggregation.js';
import { PrivacyLedger1732600000000 } from './migrations/1732600000000-privacy-ledger.js';
import { SecureAggregation1732700000000 } from './migrations/1732700000000-secure-aggregation.js';
import { AuditEvents1732800000000 } from './migrations/1732800000000-audit-events.js';
import { RequestAuthentication1732900000000 } from './migrations/1732900000000-request-authentication.js';
import { SecAggAttempts1733000000000 } from './migrations/1733000000000-secagg-attempts.js';
import { ClinicApprovals1733200000000 } from './migrations/1733200000000-clinic-approvals.js';
import { RoundEvaluators1733300000000 } from './migrations/1733300000000-round-evaluators.js';
import { SurvivalMetrics1733400000000 } from './migrations/1733400000000-survival-metrics.js';
import { StudySchemas1733500000000 } from './migrations/1733500000000-study-schemas.js';
import { SubgroupMetrics1733600000000 } from './migrations/1733600000000-subgroup-metrics.js';
import { EffectiveStrategies1733100000000 } from './migrations/1733100000000-effective-strategies.js';

/** Entities and migrations as classes, not globs: the same list serves ts-jest, compiled code and tools. */
export const ENTITIES = [
  ClinicEntity,
  StudyEntity,
  RoundEntity,
  ReceivedUpdateEntity,
  ModelVersionEntity,
  SiteMetricEntity,
  ClinicIdentityEntity,
  StudyKeyEntity,
  KeyEnvelopeEntity,
  LedgerEntryEntity,
  AuditEventEntity,
  RequestNonceEntity,
  ClinicApprovalEntity,
];
export const MIGRATIONS = [
  InitialSchema1732400000000,
  EncryptedAggregation1732500000000,
  PrivacyLedger1732600000000,
  SecureAggregation1732700000000,
  AuditEvents1732800000000,
  RequestAuthentication1732900000000,
  SecAggAttempts1733000000000,
  EffectiveStrategies1733100000000,
  ClinicApprovals1733200000000,
  RoundEvaluators1733300000000,
  SurvivalMetrics1733400000000,
  StudySchemas1733500000000,
  SubgroupMetrics1733600000000,
];

/** SQLite file (or `:memory:`), schema by migrations only. */
export function sqliteOptions(database: string): DataSourceOptions {
  return {
    type: 'sqlite',
    database,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    // WAL keeps readers off the writer's back. (TypeORM's sqlite driver turns foreign keys on itself;
    // it ignores `prepareDatabase`, which is better-sqlite3's.) The -wal and -shm files take the
    // database file's mode, 0600 (database-file.ts).
    enableWAL: true,
  };
}
