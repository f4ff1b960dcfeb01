/**
 * `cohort bench he`: what CKKS aggregation costs against plaintext float32 on this machine
 * (bench/he.ts). The table goes to stdout; with --json the last line is the report as one JSON object.
 */
import { parseArgs } from 'node:util';
import { formatHeBench, runHeBench } from '../bench/he.js';
import { DEFAULT_PARAMETER_SET, PARAMETER_SETS } from '../crypto/index.js';
import { UsageError } from './study-flags.js';

export const BENCH_USAGE = `  cohort bench he [--params 100000] [--clinics 10] [--parameter-set ${DEFAULT_PARAMETER_SET.name}] [--repeats 3] [--json]`;

export async function benchCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'he') throw new UsageError(sub === undefined ? 'cohort bench needs a benchmark: he' : `unknown benchmark "${sub}" (known: he)`);
  const { values } = parseArgs({
    args: rest,
    options: {
      params: { type: 'string', default: '100000' },
      clinics: { type: 'string', default: '10' },
      'parameter-set': { type: 'string', default: DEFAULT_PARAMETER_SET.name },
      repeats: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const positive = (flag: 'params' | 'clinics' | 'repeats') => {
    const raw = values[flag];
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${raw}"`);
    return n;
  };
  const parameterSet = values['parameter-set'];
  if (!PARAMETER_SETS.some((set) => set.name === parameterSet)) {
    throw new UsageError(`--parameter-set must be one of ${PARAMETER_SETS.map((set) => set.name).join(', ')}, got "${parameterSet}"`);
  }
  const options = { params: positive('params'), clinics: positive('clinics'), parameterSet, repeats: positive('repeats') };
  process.stderr.write(`bench he: ${options.params} parameters, ${options.clinics} clinics, ${parameterSet}, a warm-up and ${options.repeats} timed rounds\n`);
  const report = await runHeBench(options);
  console.log(formatHeBench(report));
  if (values.json) console.log(JSON.stringify(report));
  return 0;
}
