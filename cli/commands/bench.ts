/**
 * `cohort bench he|dp|secagg|load|console`: what privacy, scale and the console cost on this machine. `he`: CKKS aggregation against
 * plaintext float32 (bench/he.ts). `dp`: DP-SGD against plain SGD, and the RDP accountant over a
 * heterogeneous schedule (bench/dp.ts). `secagg`: a secure-aggregation round with dropouts against
 * the same round in plaintext float32, bytes and compute (bench/secagg.ts). `load`: many clinics at once
 * through one round, round time and the coordinator's peak memory (bench/load.ts). `console`: round time and the
 * coordinator's CPU with and without a browser console open on the study (bench/console.ts). The table goes to stdout,
 * progress to stderr; with --json the last line is the report as one JSON object.
 */
import { DEFAULT_CHROMIUM, runConsoleBench } from '../../bench/console.js';
import { formatConsoleBench, type ConsoleArm } from '../../bench/console-report.js';
import { formatDpBench, runDpBench } from '../../bench/dp.js';
import { formatHeBench, runHeBench } from '../../bench/he.js';
import { formatLoadBench, runLoadBench } from '../../bench/load.js';
import { formatSecAggBench, runSecAggBench } from '../../bench/secagg.js';
import { DEFAULT_PARAMETER_SET, PARAMETER_SETS } from '../../crypto/index.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, UsageError, wholeNumberFlag } from '../flags.js';

const HE_USAGE = `  cohort bench he [--params 100000] [--clinics 10] [--parameter-set ${DEFAULT_PARAMETER_SET.name}] [--repeats 3] [--json]`;
const DP_USAGE = `  cohort bench dp [--steps 10000] [--repeats 3] [--json]`;
const SECAGG_USAGE = `  cohort bench secagg [--clinics 100] [--params 100000] [--dropout 0.3] [--repeats 3] [--json]`;
const LOAD_USAGE = `  cohort bench load [--clinics 200] [--hidden 64,64] [--json]   clinics at once through one round (needs npm run build)`;
const CONSOLE_USAGE = `  cohort bench console [--rounds 10] [--trials 3] [--arms none,study,privacy] [--privacy none|dp] [--chromium ${DEFAULT_CHROMIUM}] [--json]
      the coordinator with and without a browser console open (needs npm run build and Chromium)`;
const USAGE = [HE_USAGE, DP_USAGE, SECAGG_USAGE, LOAD_USAGE, CONSOLE_USAGE].join('\n');
const ARMS: readonly ConsoleArm[] = ['none', 'study', 'privacy'];

export const benchCommand: Command = {
  name: 'bench',
  summary: 'he|dp|secagg|load|console: what privacy, scale and the console cost on this machine',
  usage: USAGE,
  run: (args) =>
    runSubcommand('bench', USAGE, { he: benchHe, dp: benchDp, secagg: benchSecAgg, load: benchLoad, console: benchConsole }, args, {}, 'benchmark'),
};

async function benchHe(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort bench he',
    usage: HE_USAGE,
    options: {
      params: { type: 'string', default: '100000' },
      clinics: { type: 'string', default: '10' },
      'parameter-set': { type: 'string', default: DEFAULT_PARAMETER_SET.name },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const parameterSet = values['parameter-set'];
  if (!PARAMETER_SETS.some((set) => set.name === parameterSet)) {
    throw new UsageError(`--parameter-set must be one of ${PARAMETER_SETS.map((set) => set.name).join(', ')}, got "${parameterSet}"`);
  }
  const options = {
    params: wholeNumberFlag('params', values.params),
    clinics: wholeNumberFlag('clinics', values.clinics),
    parameterSet,
    repeats: wholeNumberFlag('repeats', values.repeats),
  };
  process.stderr.write(`bench he: ${options.params} parameters, ${options.clinics} clinics, ${parameterSet}, a warm-up and ${options.repeats} timed rounds\n`);
  const report = await runHeBench(options);
  console.log(formatHeBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchDp(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort bench dp',
    usage: DP_USAGE,
    options: {
      steps: { type: 'string', default: '10000' },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const options = { steps: wholeNumberFlag('steps', values.steps), repeats: wholeNumberFlag('repeats', values.repeats) };
  process.stderr.write(
    `bench dp: DP-SGD against plain SGD (a warm-up and ${options.repeats} timed runs each), then ${options.steps} heterogeneous accountant steps\n`,
  );
  const report = await runDpBench({ ...options, onProgress: (line) => process.stderr.write(`bench dp: ${line}\n`) });
  console.log(formatDpBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchSecAgg(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort bench secagg',
    usage: SECAGG_USAGE,
    options: {
      clinics: { type: 'string', default: '100' },
      params: { type: 'string', default: '100000' },
      dropout: { type: 'string', default: '0.3' },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
  });
  const clinics = wholeNumberFlag('clinics', values.clinics);
  if (clinics < 3) throw new UsageError(`--clinics must be at least 3 (with 2, each clinic learns the other's update from the sum), got "${values.clinics}"`);
  const dropout = Number(values.dropout);
  if (values.dropout.trim() === '' || !(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout must be a fraction in [0, 1), got "${values.dropout}"`);
  const options = { clinics, params: wholeNumberFlag('params', values.params), dropout, repeats: wholeNumberFlag('repeats', values.repeats) };
  process.stderr.write(
    `bench secagg: ${options.params} parameters, ${clinics} clinics, ${Math.round(dropout * clinics)} dropping after sharing keys, a warm-up and ${options.repeats} timed rounds\n`,
  );
  const report = await runSecAggBench({ ...options, onProgress: (line) => process.stderr.write(`bench secagg: ${line}\n`) });
  console.log(formatSecAggBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchLoad(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort bench load',
    usage: LOAD_USAGE,
    options: { clinics: { type: 'string', default: '200' }, hidden: { type: 'string', default: '' }, json: { type: 'boolean', default: false } },
  });
  const clinics = wholeNumberFlag('clinics', values.clinics);
  const hidden = values.hidden === '' ? [] : values.hidden.split(',').map((h) => wholeNumberFlag('hidden', h));
  const report = await runLoadBench({ clinics, hidden, onProgress: (line) => process.stderr.write(`bench load: ${line}\n`) });
  console.log(formatLoadBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchConsole(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort bench console',
    usage: CONSOLE_USAGE,
    options: {
      rounds: { type: 'string', default: '10' },
      trials: { type: 'string', default: '3' },
      arms: { type: 'string', default: ARMS.join(',') },
      privacy: { type: 'string', default: 'none' },
      chromium: { type: 'string', default: DEFAULT_CHROMIUM },
      json: { type: 'boolean', default: false },
    },
  });
  const arms = values.arms.split(',').map((arm) => arm.trim());
  const unknown = arms.filter((arm) => !(ARMS as readonly string[]).includes(arm));
  if (unknown.length > 0 || arms.length === 0) throw new UsageError(`--arms takes a comma-separated list of ${ARMS.join(', ')}, got "${values.arms}"`);
  if (values.privacy !== 'none' && values.privacy !== 'dp') throw new UsageError(`--privacy must be none or dp, got "${values.privacy}"`);
  const options = {
    rounds: wholeNumberFlag('rounds', values.rounds),
    trials: wholeNumberFlag('trials', values.trials),
    arms: arms as ConsoleArm[],
    privacy: values.privacy,
    chromium: values.chromium,
  } as const;
  process.stderr.write(
    `bench console: ${options.trials} trials of each of ${arms.join(', ')}, alternating; a ${options.rounds}-round study each, privacy ${options.privacy}\n`,
  );
  const report = await runConsoleBench({ ...options, onProgress: (line) => process.stderr.write(`bench console: ${line}\n`) });
  console.log(formatConsoleBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}
