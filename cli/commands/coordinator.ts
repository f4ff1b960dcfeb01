/** `cohort coordinator`: the consortium's coordinator (gRPC for the clinics, HTTP for people), until SIGINT or SIGTERM. */
import type { Command } from '../command.js';
import { SERVER_TLS_FLAGS, serverTls, SERVER_TLS_USAGE } from '../connection-flags.js';
import { readJsonFile } from '../config-file.js';
import { CONFIG_USAGE, parseFlagSources, settingsReport, type FlagSource } from '../flag-sources.js';
import { UsageError } from '../flags.js';
import { GRPC_LIMIT_FLAGS, GRPC_LIMIT_USAGE, grpcLimitsFromFlags } from '../limit-flags.js';
import { STUDY_FLAGS, STUDY_FLAGS_RENAMED, studyFromFlags } from '../study-flags.js';
import { readTokenFile, tokenFrom, tokenOptions } from '../token-flags.js';
import { LOG_FLAGS, LOG_USAGE, loggerFromFlags } from '../log-flags.js';
import { watchLauncher } from '../launcher-watch.js';
import { redactDatabaseUrl } from '../../coordinator/persistence/database-url.js';

const USAGE = `  cohort coordinator [--study study.json | --dataset D --rounds N --quorum Q --min-clinics M --round-timeout S ...]
                     ${SERVER_TLS_USAGE}
                     [--host 127.0.0.1] [--grpc-port 50051] [--http-port 8080]
                     [--db .cohort/coordinator.sqlite | --db postgres://USER@HOST:5432/DATABASE]
                     [--db-password-file F (default COHORT_DB_PASSWORD_FILE, else PGPASSWORD; when the URL has no password)]
                     [--operator-token-file F (default COHORT_OPERATOR_TOKEN; enrols clinics, defines studies, reads)]
                     [--auditor-token-file F (default COHORT_AUDITOR_TOKEN; reads budgets, ledgers, studies; changes nothing)]
                     (a file holding the token; --operator-token T and --auditor-token T put it where ps shows it)
                     ${GRPC_LIMIT_USAGE}
                     ${LOG_USAGE}
                     [--metrics-token-file F (GET /metrics then needs this bearer token; default: /metrics is public)]
                     study flags as for cohort simulate (cohort simulate --help)
                     ${CONFIG_USAGE}`;

export const coordinatorCommand: Command = {
  name: 'coordinator',
  summary: "the consortium's coordinator: gRPC for the clinics, HTTP for the operator and auditors",
  usage: USAGE,
  run,
};

/** The coordinator's flags, from the command line, COHORT_ variables and --config alike. */
export const COORDINATOR_FLAGS = {
  command: 'cohort coordinator',
  usage: USAGE,
  options: {
    ...STUDY_FLAGS,
    study: { type: 'string' },
    host: { type: 'string' },
    'grpc-port': { type: 'string' },
    'http-port': { type: 'string' },
    db: { type: 'string' },
    'db-password-file': { type: 'string' },
    ...tokenOptions('operator-token'),
    ...tokenOptions('auditor-token'),
    ...SERVER_TLS_FLAGS,
    ...GRPC_LIMIT_FLAGS,
    ...LOG_FLAGS,
    'metrics-token-file': { type: 'string' },
  },
  renamed: STUDY_FLAGS_RENAMED,
  // A config file may hold the study itself (study: {...}) rather than its path.
  objectFlags: ['study'],
  alternatives: [
    ['study', 'dataset'],
    ['operator-token', 'operator-token-file'],
    ['auditor-token', 'auditor-token-file'],
  ],
} as const;

async function run(args: string[]): Promise<number> {
  const parsed = parseFlagSources(args, COORDINATOR_FLAGS);
  const { values, sources, objects } = parsed;
  const logger = loggerFromFlags(values);
  const log = logger.child({ context: 'Coordinator' });
  for (const line of settingsReport(parsed)) log.info(line);
  const metricsToken = values['metrics-token-file'] === undefined ? null : readTokenFile(values['metrics-token-file'], '--metrics-token-file');
  const port = (flag: 'grpc-port' | 'http-port') => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number, got "${raw}"`);
    return n;
  };
  // Loaded here, not at the top: every other command (and --help) starts without Nest.
  const { parseStudyConfig, startCoordinator } = await import('../../coordinator/index.js');
  let study: Record<string, unknown> | undefined;
  if (objects['study'] !== undefined) {
    study = objects['study'];
  } else if (values.study !== undefined) {
    study = readJsonFile(values.study, '--study') as Record<string, unknown>;
  } else if (values.dataset !== undefined) {
    study = studyFromFlags(values);
  }
  const config = study ? parseStudy(study, sources['study'], parseStudyConfig) : undefined;
  const coordinator = await startCoordinator({
    host: values.host,
    grpcPort: port('grpc-port'),
    httpPort: port('http-port'),
    database: values.db,
    databasePassword: databasePassword(values['db-password-file'], sources['db-password-file']),
    operatorToken: tokenFrom(values, 'operator-token', 'COHORT_OPERATOR_TOKEN'),
    auditorToken: tokenFrom(values, 'auditor-token', 'COHORT_AUDITOR_TOKEN'),
    tls: serverTls(values),
    insecure: values.insecure === true,
    ...grpcLimitsFromFlags(values),
    logger,
    // Every level reaches pino, which filters by --log-level.
    logLevels: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
    metricsToken,
  });
  log.info(
    { grpcAddress: coordinator.grpcAddress, httpUrl: coordinator.httpUrl },
    `coordinator: gRPC ${coordinator.grpcAddress}, HTTP ${coordinator.httpUrl}, database ${redactDatabaseUrl(coordinator.options.database)}`,
  );
  log.info(
    coordinator.options.operatorToken
      ? `enrolment: POST ${coordinator.httpUrl}/clinics/enrolled with the operator token (cohort clinic enrol)`
      : 'operator HTTP (enrolment, studies) is off (no --operator-token-file or COHORT_OPERATOR_TOKEN)',
  );
  log.info(
    coordinator.options.auditorToken
      ? `audit: ${coordinator.httpUrl}/audit/clinics with the auditor token (cohort audit report|verify)`
      : 'audit endpoints are off (no --auditor-token-file or COHORT_AUDITOR_TOKEN)',
  );
  if (config) {
    // Started again with the same study: the study of that name carries on (a different one is refused).
    const { study, created } = await coordinator.federation.ensureStudy(config).catch(async (error: unknown) => {
      await coordinator.close();
      throw error;
    });
    const state = created ? `created, waiting for ${study.minClinics} clinics` : `exists (${study.status}): resuming it, not creating another`;
    log.info({ studyId: study.id }, `study ${study.id}: "${study.name}" ${state} (${coordinator.httpUrl}/studies/${study.id})`);
    for (const warning of await coordinator.federation.studyWarnings(study)) log.warn({ studyId: study.id }, `study ${study.id}: ${warning}`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    watchLauncher(() => {
      log.warn('npx, which started this coordinator, is gone (a SIGTERM to npx does not reach it): stopping as on SIGTERM');
      resolve();
    });
  });
  log.info('stopping: open calls end, the database closes');
  await coordinator.close();
  log.info('stopped');
  return 0;
}

/** The study checked; a study given inline in the config file is refused naming the file and line. */
function parseStudy<T>(study: Record<string, unknown>, source: FlagSource | undefined, parse: (study: unknown) => T): T {
  try {
    return parse(study);
  } catch (error) {
    const problems = (error as { problems?: unknown }).problems;
    if (source?.kind !== 'file' || !Array.isArray(problems)) throw error;
    throw new UsageError(
      `--config ${source.path}: the study (line ${source.line}) has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  study.${String(p)}`).join('\n')}`,
    );
  }
}

/** The PostgreSQL password from the file `--db-password-file` (or COHORT_DB_PASSWORD_FILE) names; undefined leaves it to the URL or PGPASSWORD. */
function databasePassword(file: string | undefined, source: FlagSource | undefined): string | undefined {
  if (file === undefined) return undefined;
  return readTokenFile(file, source?.kind === 'env' ? source.variable : '--db-password-file');
}
