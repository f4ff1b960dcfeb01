/** `cohort node`: a clinic's node, training and evaluating for the coordinator until its studies end or a signal stops it. */
import { Keystore } from '../../clinic-node/keys/index.js';
import { conventionByName, DEFAULT_CONVENTION } from '../../crypto/index.js';
import type { Command } from '../command.js';
import { clientCredentials, CLIENT_TLS_USAGE, TLS_FLAGS } from '../connection-flags.js';
import { CONFIG_USAGE, parseFlagSources, settingsReport } from '../flag-sources.js';
import { requireFlag, UsageError } from '../flags.js';
import type { TableSource } from '../../clinic-node/data/table-site.js';
import { federationFields } from '../../common/logging/logger.js';
import { LOG_FLAGS, LOG_USAGE, loggerFromFlags } from '../log-flags.js';
import { watchLauncher } from '../launcher-watch.js';

const USAGE = `  cohort node --coordinator HOST:PORT --keystore DIR (its identity must be enrolled) --site NAME
              ${CLIENT_TLS_USAGE}
              [--dataset fed-heart-disease] [--data-dir DIR] [--exit-when-done]
              or the clinic's own data: --dataset NAME (the study's) --schema FILE --data FILE.csv --mapping FILE
              [--test-fraction 0.2 (records held out for evaluation)]; every bad row is listed and nothing is sent
              [--budget-epsilon E --budget-delta D (the clinic's privacy cap; then only DP rounds within it are trained)]
              [--ledger FILE (default KEYSTORE/privacy-ledger.jsonl)] [--convention ${DEFAULT_CONVENTION} (the accountant's)]
              [--state-dir DIR (unacknowledged updates and rounds in training; default KEYSTORE)]
              [--health-port P (off by default; /health, /ready, /metrics) --health-host 127.0.0.1]
              ${LOG_USAGE}
              SIGTERM or SIGINT: finishes the round under way (at most 30 s), then exits 0
              ${CONFIG_USAGE}
  cohort node --check --dataset NAME --schema FILE --data FILE.csv --mapping FILE [--site NAME] [--test-fraction F]
              reads and checks the clinic's own data without connecting: its problems, or the dataset id
              and record counts the operator approves`;

export const nodeCommand: Command = {
  name: 'node',
  summary: "a clinic's node: trains on the clinic's own data for the coordinator",
  usage: USAGE,
  run,
};

/** The node's flags, from the command line, COHORT_ variables and --config alike. */
export const NODE_FLAGS = {
  command: 'cohort node',
  usage: USAGE,
  options: {
    coordinator: { type: 'string' },
    dataset: { type: 'string' },
    schema: { type: 'string' },
    data: { type: 'string' },
    mapping: { type: 'string' },
    'test-fraction': { type: 'string' },
    check: { type: 'boolean' },
    site: { type: 'string' },
    'data-dir': { type: 'string' },
    'exit-when-done': { type: 'boolean' },
    keystore: { type: 'string' },
    'state-dir': { type: 'string' },
    ...TLS_FLAGS,
    'budget-epsilon': { type: 'string' },
    'budget-delta': { type: 'string' },
    ledger: { type: 'string' },
    convention: { type: 'string', default: DEFAULT_CONVENTION },
    'health-port': { type: 'string' },
    'health-host': { type: 'string' },
    ...LOG_FLAGS,
  },
  // One spelling across commands: the accounting convention is --convention, as in cohort privacy.
  renamed: { accountant: 'convention' },
} as const;

function parse(args: string[]) {
  return parseFlagSources(args, NODE_FLAGS);
}

type NodeValues = ReturnType<typeof parse>['values'];

/** The clinic's privacy cap from --budget-epsilon and --budget-delta (both or neither); null: none. */
function budgetOf(values: NodeValues) {
  if ((values['budget-epsilon'] === undefined) !== (values['budget-delta'] === undefined)) {
    throw new UsageError('a privacy budget needs both --budget-epsilon and --budget-delta');
  }
  if (values['budget-epsilon'] === undefined) return null;
  const budgetNumber = (flag: 'budget-epsilon' | 'budget-delta', ok: (n: number) => boolean, expected: string) => {
    const n = Number(values[flag]);
    if (!ok(n)) throw new UsageError(`--${flag} must be ${expected}, got "${values[flag]}"`);
    return n;
  };
  return {
    epsilon: budgetNumber('budget-epsilon', (n) => n >= 0 && Number.isFinite(n), 'a number >= 0'),
    delta: budgetNumber('budget-delta', (n) => n > 0 && n < 1, 'in (0, 1)'),
    convention: conventionByName(values.convention).name,
  };
}

/** The clinic's own table from --schema, --data and --mapping (all three or none); null: a built-in dataset. */
function tableOf(values: NodeValues, dataDirGiven: boolean): TableSource | null {
  const given = (['schema', 'data', 'mapping'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length === 0) {
    if (values['test-fraction'] !== undefined) throw new UsageError("--test-fraction applies to a clinic's own data (--schema, --data, --mapping)");
    return null;
  }
  if (given.length < 3)
    throw new UsageError(`the clinic's own data needs --schema, --data and --mapping together (given: ${given.map((f) => `--${f}`).join(', ')})`);
  if (values.dataset === undefined) throw new UsageError("--dataset is required with --schema: the name of the study's dataset");
  if (dataDirGiven) throw new UsageError("--data-dir is for built-in datasets; a clinic's own data is --data FILE.csv");
  const testFraction = values['test-fraction'] === undefined ? undefined : Number(values['test-fraction']);
  if (testFraction !== undefined && !(testFraction >= 0 && testFraction <= 0.5))
    throw new UsageError(`--test-fraction must be from 0 to 0.5, got "${values['test-fraction']}"`);
  return {
    schemaFile: values.schema!,
    dataFile: values.data!,
    mappingFile: values.mapping!,
    ...(testFraction !== undefined && { testFraction }),
  };
}

/** --check: the clinic's data read and checked as the node would, nothing sent; what the operator approves. */
async function check(table: TableSource | null, dataset: string, site: string | undefined): Promise<number> {
  if (!table) throw new UsageError("--check reads a clinic's own data: give --dataset, --schema, --data and --mapping");
  const { loadTableSite } = await import('../../clinic-node/data/table-site.js');
  const { schemaDatasetId } = await import('../../common/schema/index.js');
  const loaded = await loadTableSite(table, site ?? 'site');
  console.log(`${table.dataFile}: ${loaded.train.length + (loaded.test === loaded.train ? 0 : loaded.test.length)} records read, every one valid`);
  for (const { line, reason } of loaded.excluded) console.log(`  line ${line} excluded by the mapping: ${reason}`);
  console.log(`dataset id ${schemaDatasetId(dataset, loaded.schema)}: ${loaded.train.length} training and ${loaded.test.length} test records`);
  console.log('nothing was sent. The operator approves these figures for your clinic (cohort clinic enrol ... --dataset, --site, --num-train, --num-test).');
  return 0;
}

async function run(args: string[]): Promise<number> {
  const parsed = parse(args);
  const { values, sources } = parsed;
  // COHORT_DATA_DIR is every command's directory of built-in datasets: beside a clinic's own data it is not a conflict.
  const table = tableOf(values, values['data-dir'] !== undefined && sources['data-dir']?.kind !== 'env');
  if (values.check) {
    for (const line of settingsReport(parsed)) console.log(line);
    return check(table, values.dataset!, values.site);
  }
  const logger = loggerFromFlags(values);
  const log = (line: string, fields: { studyId?: string; round?: number } = {}) => logger.info({ ...federationFields(line), ...fields }, line);
  for (const line of settingsReport(parsed)) log(line);
  const coordinator = requireFlag(values, 'coordinator', 'HOST:PORT');
  const keystore = requireFlag(values, 'keystore', 'DIR', ': the clinic signs every call with its enrolled identity (cohort keys init)');
  const credentials = clientCredentials(values);
  const budget = budgetOf(values);
  if (!values.site) throw new UsageError('--site is required (e.g. cleveland)');
  const healthPort = healthPortOf(values['health-port'], values['health-host']);
  // SIGTERM or SIGINT: no new task; the one under way finishes within the grace period or is
  // abandoned (an update already computed stays in the outbox for the next start). A second signal
  // stops at once: the outbox and training journal are crash-safe.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      logger.warn(`${signal} again: stopping at once`);
      process.exit(1);
    }
    logger.info(`${signal}: stopping`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const unwatch = watchLauncher(() => {
    logger.warn('npx, which started this node, is gone (a SIGTERM to npx does not reach the node): stopping as on SIGTERM');
    onSignal('SIGTERM');
  });
  // Loaded here, not at the top: every other command (and --help) starts without TensorFlow.js.
  const { runNode } = await import('../../clinic-node/node-agent.js');
  const { NodeStatus } = await import('../../clinic-node/observability/node-status.js');
  const status = new NodeStatus();
  let health;
  if (healthPort) {
    const { startHealthServer } = await import('../../clinic-node/observability/health-server.js');
    health = await startHealthServer(status, healthPort);
    logger.info({ url: health.url }, `health: ${health.url}/health, /ready, /metrics`);
  }
  let summary;
  try {
    summary = await runNode({
      coordinator,
      dataset: values.dataset ?? 'fed-heart-disease',
      site: values.site,
      ...(table && { table }),
      keystore: Keystore.open(keystore),
      credentials,
      budget,
      ledgerPath: values.ledger,
      stateDir: values['state-dir'],
      signal: stop.signal,
      data: { dataDir: values['data-dir'], onProgress: (line) => log(line) },
      exitWhenDone: values['exit-when-done'] === true,
      log,
      status,
    });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    unwatch();
    await health?.close();
  }
  const spent = summary.privacySpent ? `, privacy spent epsilon ${summary.privacySpent.epsilon.toPrecision(6)} at delta ${summary.privacySpent.delta}` : '';
  const refused = summary.refusedRounds > 0 ? `, ${summary.refusedRounds} rounds refused` : '';
  const ending = summary.stopped === 'signal' ? 'stopped by signal' : 'done';
  log(
    `${summary.clinicId}: ${ending}, ${summary.trainedRounds} rounds trained${refused}, ${summary.evaluations} evaluations, study ${summary.studyStatus}${spent}`,
  );
  return summary.studyStatus === 'failed' ? 1 : 0;
}

/** `--health-port` (0 to 65535; 0 picks a free port) and `--health-host`; null when the port is off. */
function healthPortOf(port: string | undefined, host: string | undefined): { port: number; host: string } | null {
  if (port === undefined) {
    if (host !== undefined) throw new UsageError('--health-host needs --health-port');
    return null;
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--health-port must be a port number, got "${port}"`);
  return { port: n, host: host ?? '127.0.0.1' };
}
