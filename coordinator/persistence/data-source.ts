import { DataSource, type DataSourceOptions } from 'typeorm';
import { databaseColumnType } from './columns.js';
import { isPostgresUrl, parsePostgresUrl } from './database-url.js';
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

/**
 * The data source of `database`: a PostgreSQL URL (`postgres://...`, password from the URL, else
 * `password`, else pg's `PGPASSWORD`) or a SQLite file. Schema by migrations only, run at initialize.
 */
export function databaseOptions(database: string, password?: string): DataSourceOptions {
  return isPostgresUrl(database) ? postgresOptions(database, password) : sqliteOptions(database);
}

/** A PostgreSQL server, schema by migrations only. */
export function postgresOptions(url: string, password?: string): DataSourceOptions {
  const { ssl, ...connection } = parsePostgresUrl(url, password);
  return {
    type: 'postgres',
    ...connection,
    ...(ssl && { ssl: true }),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    synchronize: false,
    // Migrations run in one transaction: a failed upgrade leaves the schema as it was.
    migrationsTransactionMode: 'all',
  };
}

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

/**
 * A data source for the coordinator's entities. Always make it here, not with `new DataSource`:
 * the entities declare the portable column types of columns.ts (their decorators run once, at
 * import, for every data source in the process), and this teaches the data source's own driver
 * what its database calls them (`blob` is `bytea` on PostgreSQL). TypeORM sends every declared type
 * through the driver's `normalizeType` when it validates entities at initialize and when it compares
 * them with the tables (schema diff, synchronisation), so mapping there gives each data source its
 * own types without touching the shared decorators. A PostgreSQL data source made elsewhere fails at
 * initialize ("Data type blob ... is not supported"), not later.
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const dataSource = new DataSource(options);
  const { type } = options;
  if (type === 'postgres' || type === 'sqlite') {
    const { driver } = dataSource;
    const normalizeType = driver.normalizeType.bind(driver);
    driver.normalizeType = (column) => databaseColumnType(type, normalizeType(column));
  }
  return dataSource;
}

/** Errors that may pass while the coordinator starts: a server not accepting connections yet (still starting, restarting, recovering). */
const TRANSIENT_CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', '57P03']);

/**
 * Whether opening the database is worth another try: yes while the server is not up yet (a container
 * started beside it), no for what waiting cannot mend (a wrong password, a missing database or role,
 * an unreadable SQLite file), which then stops the coordinator at once with the driver's message.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CONNECTION_ERRORS.has(code);
}
