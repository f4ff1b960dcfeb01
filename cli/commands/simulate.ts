/** `cohort simulate`: a whole federation on this machine (coordinator and one node per site), or FLamby's baselines. */
import { STRATEGY_NAMES } from '../../strategies/index.js';
import type { Command } from '../command.js';
import { parseFlags, UsageError, wholeNumberFlag } from '../flags.js';
import { printReport } from '../report.js';
import { STUDY_FLAGS, STUDY_FLAGS_RENAMED, studyFromFlags } from '../study-flags.js';
import { DATASETS } from '../../common/datasets.js';
import { ARCHITECTURES } from '../../common/model-spec.js';
const USAGE = `  cohort simulate [--dataset ${Object.keys(DATASETS).join('|')}] [--strategy ${STRATEGY_NAMES.join('|')}] [--strategy-params NAME=X,...] [--rounds N] [--seed S]
                  [--protocol tuned|flamby] [--model ${ARCHITECTURES.join('|')}] [--hidden 16,8] [--lr X] [--local-steps N]
                  [--privacy none|he|dp|he+dp|secagg|secagg+dp] [--parameter-set SET] [--target-epsilon 1] [--delta 1e-5] [--clip-norm 1]
                  [--dropout P (secagg: each clinic drops out of a round after sharing keys with probability P)]
                  [--clinic-budget SITE=EPSILON,... (dp: caps below the target for some clinics)]
                  [--malicious N --attack scale|sign-flip|constant|weight (the last N clinics send that attack's update)]
                  [--clinics-per-site K (each site's records split, seeded, among K clinics site.1 ... site.K)]
                  [--baseline pooled|local] [--data-dir DIR] [--json]`;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'a whole federation on this machine, with its per-site report',
  usage: USAGE,
  run,
};

async function run(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort simulate',
    usage: USAGE,
    options: {
      ...STUDY_FLAGS,
      baseline: { type: 'string' },
      'clinic-budget': { type: 'string' },
      dropout: { type: 'string' },
      malicious: { type: 'string' },
      'clinics-per-site': { type: 'string' },
      attack: { type: 'string' },
      'data-dir': { type: 'string' },
      json: { type: 'boolean' },
    },
    renamed: STUDY_FLAGS_RENAMED,
  });
  const dropout = values.dropout === undefined ? undefined : Number(values.dropout);
  if (dropout !== undefined && !(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout takes a probability in [0, 1), got "${values.dropout}"`);
  const study = { dataset: 'fed-heart-disease', ...studyFromFlags(values) };
  // Loaded here, not at the top: every other command (and --help) starts without TensorFlow.js and Nest.
  const [{ parseStudyConfig }, { runBaseline }, { simulate }, { parseAttack }] = await Promise.all([
    import('../../coordinator/index.js'),
    import('../../simulations/baselines.js'),
    import('../../simulations/simulate.js'),
    import('../../simulations/hostile-learner.js'),
  ]);
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
    const malicious = hostileClinics(values.malicious, values.attack, parseAttack);
    report = await simulate({
      study,
      data,
      onProgress: progress,
      budgets: clinicBudgets(values['clinic-budget']),
      ...(dropout !== undefined && { dropout }),
      ...(malicious && { malicious }),
      ...(values['clinics-per-site'] !== undefined && { clinicsPerSite: wholeNumberFlag('clinics-per-site', values['clinics-per-site']) }),
    });
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

/** `--malicious N --attack A`: both or neither; N a whole number >= 1 (simulate checks it against the sites). */
function hostileClinics<A>(count: string | undefined, attack: string | undefined, parse: (name: string) => A): { count: number; attack: A } | undefined {
  if (count === undefined && attack === undefined) return undefined;
  if (count === undefined || attack === undefined) throw new UsageError('--malicious N and --attack NAME go together');
  const n = wholeNumberFlag('malicious', count);
  try {
    return { count: n, attack: parse(attack) };
  } catch (error) {
    throw new UsageError(`--attack: ${(error as Error).message}`);
  }
}
