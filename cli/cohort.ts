#!/usr/bin/env node
/**
 * `cohort`: one binary for every role.
 *
 *   cohort coordinator (--tls-cert F --tls-key F [--tls-ca F --mtls] | --insecure) [--study FILE | study flags] [--db FILE] ...
 *   cohort node --coordinator HOST:PORT --keystore DIR --site NAME (--tls-ca F [--tls-cert F --tls-key F] | --insecure) ...
 *   cohort simulate --dataset fed-heart-disease [--strategy fedavg] [--rounds N] [--seed S] [--json]
 *   cohort clinic enrol|revoke|list ...                          the operator admits and removes clinics (clinic-command.ts)
 *   cohort keys init|card|pin|enrol|generate|fetch|status ...   key custody for privacy he (keys-command.ts)
 *   cohort privacy epsilon|noise ...                             the DP accountant (privacy-command.ts)
 *   cohort audit verify|report ...                               privacy ledgers, for auditors (audit-command.ts)
 *   cohort certs init|server|clinic|show ...                     TLS certificates for coordinator and clinics (certs-command.ts)
 *   cohort bench he [--params N] [--clinics N] [--json]          CKKS against plaintext aggregation (bench-command.ts)
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runNode } from '../clinic-node/node-agent.js';
import { parseStudyConfig, startCoordinator, STRATEGY_NAMES, StudyConfigError } from '../coordinator/index.js';
import { runBaseline } from '../simulations/baselines.js';
import { simulate } from '../simulations/simulate.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { conventionByName, DEFAULT_CONVENTION } from '../crypto/index.js';
import { AUDIT_USAGE, auditCommand } from './audit-command.js';
import { BENCH_USAGE, benchCommand } from './bench-command.js';
import { CERTS_USAGE, certsCommand } from './certs-command.js';
import { CLINIC_USAGE, clinicCommand } from './clinic-command.js';
import { KEYS_USAGE, keysCommand } from './keys-command.js';
import { PRIVACY_USAGE, privacyCommand } from './privacy-command.js';
import { printReport } from './report.js';
import { clientCredentials, CLIENT_TLS_USAGE, SERVER_TLS_FLAGS, serverTls, SERVER_TLS_USAGE, TLS_FLAGS } from './connection-flags.js';
import { STUDY_FLAGS, studyFromFlags, UsageError } from './study-flags.js';

const USAGE = `usage:
  cohort simulate --dataset fed-heart-disease [--strategy ${STRATEGY_NAMES.join('|')}] [--strategy-params NAME=X,...] [--rounds N] [--seed S]
                  [--protocol tuned|flamby] [--model logistic-regression|mlp] [--hidden 16,8] [--lr X] [--local-steps N]
                  [--privacy none|he|dp|he+dp|secagg|secagg+dp] [--he-params SET] [--target-epsilon 1] [--delta 1e-5] [--clip-norm 1]
                  [--dropout P (secagg: each clinic drops out of a round after sharing keys with probability P)]
                  [--clinic-budget SITE=EPSILON,... (dp: caps below the target for some clinics)]
                  [--baseline pooled|local] [--data-dir DIR] [--json]
  cohort coordinator [--study study.json | --dataset D --rounds N --quorum Q --min-clinics M --round-timeout S ...]
                     ${SERVER_TLS_USAGE}
                     [--host 127.0.0.1] [--grpc-port 50051] [--http-port 8080] [--db .cohort/coordinator.sqlite]
                     [--operator-token T (default COHORT_OPERATOR_TOKEN; enrols clinics, defines studies, reads)]
                     [--auditor-token T (default COHORT_AUDITOR_TOKEN; reads budgets, ledgers, studies; changes nothing)]
  cohort node --coordinator HOST:PORT --keystore DIR (its identity must be enrolled) --site NAME
              ${CLIENT_TLS_USAGE}
              [--dataset fed-heart-disease] [--data-dir DIR] [--exit-when-done]
              [--budget-epsilon E --budget-delta D (the clinic's privacy cap; then only DP rounds within it are trained)]
              [--ledger FILE (default KEYSTORE/privacy-ledger.jsonl)] [--accountant ${DEFAULT_CONVENTION}]
              [--state-dir DIR (unacknowledged updates and rounds in training; default KEYSTORE)]
              SIGTERM or SIGINT: finishes the round under way (at most 30 s), then exits 0
${CLINIC_USAGE}
${KEYS_USAGE}
${PRIVACY_USAGE}
${AUDIT_USAGE}
${BENCH_USAGE}
${CERTS_USAGE}

Data: --data-dir (or COHORT_DATA_DIR) names a directory holding uci-heart-disease/; without it, files are
downloaded once from UCI into ~/.cache/cohort (COHORT_CACHE_DIR) and checked against their MD5 sums.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate':
      return simulateCommand(rest);
    case 'coordinator':
      return coordinatorCommand(rest);
    case 'node':
      return nodeCommand(rest);
    case 'clinic':
      return clinicCommand(rest);
    case 'keys':
      return keysCommand(rest);
    case 'bench':
      return benchCommand(rest);
    case 'privacy':
      return privacyCommand(rest);
    case 'audit':
      return auditCommand(rest);
    case 'certs':
      return certsCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function simulateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...STUDY_FLAGS, baseline: { type: 'string' }, 'clinic-budget': { type: 'string' }, dropout: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const dropout = values.dropout === undefined ? undefined : Number(values.dropout);
  if (dropout !== undefined && !(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout takes a probability in [0, 1), got "${values.dropout}"`);
  const study = { dataset: 'fed-heart-disease', ...studyFromFlags(values) };
  const data = { dataDir: values['data-dir'] };
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  let report;
  if (values.baseline !== undefined) {
    if (values.baseline !== 'pooled' && values.baseline !== 'local') {
      throw new UsageError(`--baseline must be pooled or local, got "${values.baseline}"`);
    }
    const config = parseStudyConfig(study);
    report = await runBaseline(values.baseline, {
      seed: config.seed,
      architecture: config.model.architecture,
      hiddenUnits: config.model.hiddenUnits,
      dataDir: data.dataDir,
      onProgress: progress,
    });
  } else {
    report = await simulate({ study, data, onProgress: progress, budgets: clinicBudgets(values['clinic-budget']), ...(dropout !== undefined && { dropout }) });
  }
  printReport(report, values.json === true);
  return 0;
}

/** `--clinic-budget cleveland=0.5,va=0.8`: caps of some simulated clinics (the others get the study's target). */
function clinicBudgets(flag: string | undefined): Record<string, number> | undefined {
  if (flag === undefined) return undefined;
  return Object.fromEntries(
    flag.split(',').map((pair) => {
      const [site, value] = pair.split('=').map((x) => x.trim());
      const epsilon = Number(value);
      if (!site || value === undefined || value === '' || !(epsilon >= 0 && Number.isFinite(epsilon))) {
        throw new UsageError(`--clinic-budget takes site=epsilon pairs separated by commas, got "${pair}"`);
      }
      return [site, epsilon];
    }),
  );
}

async function coordinatorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...STUDY_FLAGS,
      study: { type: 'string' },
      host: { type: 'string' },
      'grpc-port': { type: 'string' },
      'http-port': { type: 'string' },
      db: { type: 'string' },
      'operator-token': { type: 'string' },
      'auditor-token': { type: 'string' },
      ...SERVER_TLS_FLAGS,
    },
    strict: true,
  });
  const port = (flag: 'grpc-port' | 'http-port') => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number, got "${raw}"`);
    return n;
  };
  let study: Record<string, unknown> | undefined;
  if (values.study !== undefined) {
    study = JSON.parse(readFileSync(values.study, 'utf8')) as Record<string, unknown>;
  } else if (values.dataset !== undefined) {
    study = studyFromFlags(values);
  }
  const config = study ? parseStudyConfig(study) : undefined;
  const coordinator = await startCoordinator({
    host: values.host,
    grpcPort: port('grpc-port'),
    httpPort: port('http-port'),
    database: values.db,
    operatorToken: values['operator-token'], // unset: startCoordinator reads COHORT_OPERATOR_TOKEN
    auditorToken: values['auditor-token'], // likewise COHORT_AUDITOR_TOKEN
    tls: serverTls(values),
    insecure: values.insecure === true,
  });
  console.log(`coordinator: gRPC ${coordinator.grpcAddress}, HTTP ${coordinator.httpUrl}, database ${coordinator.options.database}`);
  console.log(
    coordinator.options.operatorToken
      ? `enrolment: POST ${coordinator.httpUrl}/clinics/enrolled with the operator token (cohort clinic enrol)`
      : 'operator HTTP (enrolment, studies) is off (no --operator-token or COHORT_OPERATOR_TOKEN)',
  );
  console.log(
    coordinator.options.auditorToken
      ? `audit: ${coordinator.httpUrl}/audit/clinics with the auditor token (cohort audit report|verify)`
      : 'audit endpoints are off (no --auditor-token or COHORT_AUDITOR_TOKEN)',
  );
  if (config) {
    const created = await coordinator.federation.createStudy(config);
    console.log(`study ${created.id}: ${created.name}, waiting for ${created.minClinics} clinics (${coordinator.httpUrl}/studies/${created.id})`);
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await coordinator.close();
  return 0;
}

async function nodeCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      coordinator: { type: 'string' },
      dataset: { type: 'string', default: 'fed-heart-disease' },
      site: { type: 'string' },
      'data-dir': { type: 'string' },
      'exit-when-done': { type: 'boolean' },
      keystore: { type: 'string' },
      'state-dir': { type: 'string' },
      ...TLS_FLAGS,
      'budget-epsilon': { type: 'string' },
      'budget-delta': { type: 'string' },
      ledger: { type: 'string' },
      accountant: { type: 'string', default: DEFAULT_CONVENTION },
    },
    strict: true,
  });
  if (!values.coordinator) throw new UsageError('--coordinator HOST:PORT is required');
  if (!values.keystore) throw new UsageError('--keystore DIR is required: the clinic signs every call with its enrolled identity (cohort keys init)');
  const credentials = clientCredentials(values);
  if ((values['budget-epsilon'] === undefined) !== (values['budget-delta'] === undefined)) {
    throw new UsageError('a privacy budget needs both --budget-epsilon and --budget-delta');
  }
  const budgetNumber = (flag: 'budget-epsilon' | 'budget-delta', ok: (n: number) => boolean, expected: string) => {
    const n = Number(values[flag]);
    if (!ok(n)) throw new UsageError(`--${flag} must be ${expected}, got "${values[flag]}"`);
    return n;
  };
  const budget =
    values['budget-epsilon'] === undefined
      ? null
      : {
          epsilon: budgetNumber('budget-epsilon', (n) => n >= 0 && Number.isFinite(n), 'a number >= 0'),
          delta: budgetNumber('budget-delta', (n) => n > 0 && n < 1, 'in (0, 1)'),
          convention: conventionByName(values.accountant).name,
        };
  if (!values.site) throw new UsageError('--site is required (e.g. cleveland)');
  // SIGTERM or SIGINT: no new task; the one under way finishes within the grace period or is
  // abandoned (an update already computed stays in the outbox for the next start). A second signal
  // stops at once: the outbox and training journal are crash-safe.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      console.log(`${signal} again: stopping at once`);
      process.exit(1);
    }
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let summary;
  try {
    summary = await runNode({
      coordinator: values.coordinator,
      dataset: values.dataset,
      site: values.site,
      keystore: Keystore.open(values.keystore),
      credentials,
      budget,
      ledgerPath: values.ledger,
      stateDir: values['state-dir'],
      signal: stop.signal,
      data: { dataDir: values['data-dir'], onProgress: (line) => console.log(line) },
      exitWhenDone: values['exit-when-done'] === true,
      log: (line) => console.log(line),
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const spent = summary.privacySpent ? `, privacy spent epsilon ${summary.privacySpent.epsilon.toPrecision(6)} at delta ${summary.privacySpent.delta}` : '';
  const refused = summary.refusedRounds > 0 ? `, ${summary.refusedRounds} rounds refused` : '';
  const ending = summary.stopped === 'signal' ? 'stopped by signal' : 'done';
  console.log(`${summary.clinicId}: ${ending}, ${summary.trainedRounds} rounds trained${refused}, ${summary.evaluations} evaluations, study ${summary.studyStatus}${spent}`);
  return summary.studyStatus === 'failed' ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    const usage = error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    const message = error instanceof StudyConfigError ? error.message : (error as Error).message;
    if (process.env["COHORT_DEBUG"]) console.error(error);
    process.stderr.write(`cohort: ${message}\n${usage ? `\n${USAGE}\n` : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);
