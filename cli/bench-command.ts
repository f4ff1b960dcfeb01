/**
 * `cohort bench he|dp|secagg|load`: what privacy and scale cost on this machine. `he`: CKKS aggregation against
 * plaintext float32 (bench/he.ts). `dp`: DP-SGD against plain SGD, and the RDP accountant over a
 * heterogeneous schedule (bench/dp.ts). `secagg`: a secure-aggregation round with dropouts against
 * the same round in plaintext float32, bytes and compute (bench/secagg.ts). `load`: many clinics at once
 * through one round, round time and the coordinator's peak memory (bench/load.ts). The table goes to stdout,
 * progress to stderr; with --json the last line is the report as one JSON object.
 */
import { parseArgs } from 'node:util';
import { formatDpBench, runDpBench } from '../bench/dp.js';
import { formatHeBench, runHeBench } from '../bench/he.js';
import { formatLoadBench, runLoadBench } from '../bench/load.js';
import { formatSecAggBench, runSecAggBench } from '../bench/secagg.js';
import { DEFAULT_PARAMETER_SET, PARAMETER_SETS } from '../crypto/index.js';
import { UsageError } from './study-flags.js';

export const BENCH_USAGE = `  cohort bench he [--params 100000] [--clinics 10] [--parameter-set ${DEFAULT_PARAMETER_SET.name}] [--repeats 3] [--json]
  cohort bench dp [--steps 10000] [--repeats 3] [--json]
  cohort bench secagg [--clinics 100] [--params 100000] [--dropout 0.3] [--repeats 3] [--json]
  cohort bench load [--clinics 200] [--hidden 64,64] [--json]   clinics at once through one round (needs npm run build)`;

const BENCHMARKS: Record<string, (args: string[]) => Promise<number>> = { he: benchHe, dp: benchDp, secagg: benchSecAgg, load: benchLoad };

export async function benchCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const known = Object.keys(BENCHMARKS).join(', ');
  if (sub === undefined) throw new UsageError(`cohort bench needs a benchmark: ${known}`);
  const bench = Object.hasOwn(BENCHMARKS, sub) ? BENCHMARKS[sub]! : undefined;
  if (!bench) throw new UsageError(`unknown benchmark "${sub}" (known: ${known})`);
  return bench(rest);
}

async function benchHe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      params: { type: 'string', default: '100000' },
      clinics: { type: 'string', default: '10' },
      'parameter-set': { type: 'string', default: DEFAULT_PARAMETER_SET.name },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const parameterSet = values['parameter-set'];
  if (!PARAMETER_SETS.some((set) => set.name === parameterSet)) {
    throw new UsageError(`--parameter-set must be one of ${PARAMETER_SETS.map((set) => set.name).join(', ')}, got "${parameterSet}"`);
  }
  const options = {
    params: positiveInteger('params', values.params),
    clinics: positiveInteger('clinics', values.clinics),
    parameterSet,
    repeats: positiveInteger('repeats', values.repeats),
  };
  process.stderr.write(`bench he: ${options.params} parameters, ${options.clinics} clinics, ${parameterSet}, a warm-up and ${options.repeats} timed rounds\n`);
  const report = await runHeBench(options);
  console.log(formatHeBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchDp(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      steps: { type: 'string', default: '10000' },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const options = { steps: positiveInteger('steps', values.steps), repeats: positiveInteger('repeats', values.repeats) };
  process.stderr.write(`bench dp: DP-SGD against plain SGD (a warm-up and ${options.repeats} timed runs each), then ${options.steps} heterogeneous accountant steps\n`);
  const report = await runDpBench({ ...options, onProgress: (line) => process.stderr.write(`bench dp: ${line}\n`) });
  console.log(formatDpBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchSecAgg(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      clinics: { type: 'string', default: '100' },
      params: { type: 'string', default: '100000' },
      dropout: { type: 'string', default: '0.3' },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const clinics = positiveInteger('clinics', values.clinics);
  if (clinics < 3) throw new UsageError(`--clinics must be at least 3 (with 2, each clinic learns the other's update from the sum), got "${values.clinics}"`);
  const dropout = Number(values.dropout);
  if (values.dropout.trim() === '' || !(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout must be a fraction in [0, 1), got "${values.dropout}"`);
  const options = { clinics, params: positiveInteger('params', values.params), dropout, repeats: positiveInteger('repeats', values.repeats) };
  process.stderr.write(`bench secagg: ${options.params} parameters, ${clinics} clinics, ${Math.round(dropout * clinics)} dropping after sharing keys, a warm-up and ${options.repeats} timed rounds\n`);
  const report = await runSecAggBench({ ...options, onProgress: (line) => process.stderr.write(`bench secagg: ${line}\n`) });
  console.log(formatSecAggBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

async function benchLoad(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { clinics: { type: 'string', default: '200' }, hidden: { type: 'string', default: '' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const clinics = positiveInteger('clinics', values.clinics);
  const hidden = values.hidden === '' ? [] : values.hidden.split(',').map((h) => positiveInteger('hidden', h));
  const report = await runLoadBench({ clinics, hidden, onProgress: (line) => process.stderr.write(`bench load: ${line}\n`) });
  console.log(formatLoadBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}

/** A flag's value as a positive integer, or a UsageError naming the flag. */
function positiveInteger(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${raw}"`);
  return n;
}
