/**
 * `cohort privacy epsilon|noise`: the RDP accountant (crypto/dp) on the command line, for auditors
 * and study designers. With --json the last line is one JSON object: `epsilon` (or
 * `noise_multiplier`), `best_order`, `convention`.
 */
import { calibrateNoise, CONVENTIONS, conventionByName, DEFAULT_CONVENTION, epsilonFor, type ConventionName } from '../../crypto/index.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, UsageError } from '../flags.js';

const CONVENTIONS_USAGE = `                       conventions: ${Object.keys(CONVENTIONS).join(', ')}`;
const EPSILON_USAGE = `  cohort privacy epsilon --sampling-rate Q --noise-multiplier Z --steps T --delta D [--convention ${DEFAULT_CONVENTION}] [--json]`;
const NOISE_USAGE = `  cohort privacy noise --target-epsilon E --sampling-rate Q --steps T --delta D [--convention ${DEFAULT_CONVENTION}] [--json]`;
const USAGE = [EPSILON_USAGE, NOISE_USAGE, CONVENTIONS_USAGE].join('\n');

export const privacyCommand: Command = {
  name: 'privacy',
  summary: 'epsilon|noise: the DP accountant',
  usage: USAGE,
  run: (args) => runSubcommand('privacy', USAGE, { epsilon: (rest) => accountant('epsilon', rest), noise: (rest) => accountant('noise', rest) }, args),
};

function accountant(sub: 'epsilon' | 'noise', args: string[]): number {
  const values = parseFlags(args, {
    command: `cohort privacy ${sub}`,
    usage: `${sub === 'epsilon' ? EPSILON_USAGE : NOISE_USAGE}\n${CONVENTIONS_USAGE}`,
    options: {
      'sampling-rate': { type: 'string' },
      'noise-multiplier': { type: 'string' },
      'target-epsilon': { type: 'string' },
      steps: { type: 'string' },
      delta: { type: 'string' },
      convention: { type: 'string', default: DEFAULT_CONVENTION },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (
    flag: 'sampling-rate' | 'noise-multiplier' | 'target-epsilon' | 'steps' | 'delta',
    check: (n: number) => boolean,
    expected: string,
  ): number => {
    const raw = values[flag];
    if (typeof raw !== 'string') throw new UsageError(`--${flag} is required`);
    const n = Number(raw);
    if (raw.trim() === '' || !check(n)) throw new UsageError(`--${flag} must be ${expected}, got "${raw}"`);
    return n;
  };
  let convention: ConventionName;
  try {
    convention = conventionByName(values.convention).name;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const q = number('sampling-rate', (n) => n > 0 && n <= 1, 'in (0, 1]');
  const steps = number('steps', (n) => Number.isInteger(n) && n >= 1, 'a whole number >= 1');
  const delta = number('delta', (n) => n > 0 && n < 1, 'in (0, 1)');
  const { orders, conversion, series } = CONVENTIONS[convention];
  const described = `${convention}: ${orders.length} orders, ${conversion} conversion, ${series} series for fractional orders`;
  if (sub === 'epsilon') {
    const noiseMultiplier = number('noise-multiplier', (n) => n > 0, 'a positive number');
    const { epsilon, bestOrder } = epsilonFor({ q, noiseMultiplier, steps }, delta, convention);
    console.log(`epsilon ${epsilon} at delta ${delta} (best order ${bestOrder}; ${described})`);
    if (values.json)
      console.log(JSON.stringify({ epsilon, best_order: bestOrder, convention, delta, sampling_rate: q, noise_multiplier: noiseMultiplier, steps }));
  } else {
    const targetEpsilon = number('target-epsilon', (n) => n > 0, 'a positive number');
    const { noiseMultiplier, epsilon, bestOrder } = calibrateNoise(targetEpsilon, q, steps, delta, convention);
    console.log(`noise multiplier ${noiseMultiplier} gives epsilon ${epsilon} <= ${targetEpsilon} at delta ${delta} (best order ${bestOrder}; ${described})`);
    if (values.json)
      console.log(
        JSON.stringify({
          noise_multiplier: noiseMultiplier,
          epsilon,
          best_order: bestOrder,
          convention,
          delta,
          sampling_rate: q,
          steps,
          target_epsilon: targetEpsilon,
        }),
      );
  }
  return 0;
}
