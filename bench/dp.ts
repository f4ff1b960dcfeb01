/**
 * What differential privacy costs on this machine, measured side by side in one run:
 *  1. DP-SGD training (Poisson sampling, per-example clipping, Gaussian noise) against plain
 *     mini-batch SGD taking the same steps with the DP batch's expected size, per step, for a
 *     Fed-Heart-Disease-sized logistic regression and a larger MLP (synthetic data, seeded, so no
 *     dataset is needed);
 *  2. the RDP accountant over a long heterogeneous schedule (sampling rate and noise changing every
 *     step), against the same number of steps composed as one homogeneous run.
 *
 * Run it with `cohort bench dp [--steps 10000] [--repeats 3] [--json]` or `npm run bench:dp -- ...`
 * (through npm/npx, so that Node 22 runs it).
 */
import { performance } from 'node:perf_hooks';
import { median, seconds } from './timing.js';
import * as tf from '@tensorflow/tfjs';
import { initialParameters, modelSpec, parameterCount } from '../common/model-spec.js';
import { seededRandom } from '../common/random.js';
import type { Examples } from '../clinic-node/data/dataset.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import type { DpSgdSettings } from '../clinic-node/training/dp-sgd.js';
import { train, type TrainingOptions } from '../clinic-node/training/local-training.js';
import { RdpAccountant, type ConventionName } from '../crypto/dp/accountant.js';
import type { EpsilonResult } from '../crypto/dp/conversion.js';
import { alignColumns, formatCount, formatSeconds } from './report-format.js';

/** One model to train both ways. */
export interface DpTrainingCase {
  /** Names the case in the report (snake_case). */
  name: string;
  features: number;
  /** Hidden layer widths; empty for logistic regression. */
  hidden: number[];
  /** Synthetic training records. */
  records: number;
  /** DP-SGD's expected Poisson batch (sampling rate x records) and plain SGD's fixed batch. */
  expectedBatch: number;
  /** Training steps in each timed run. */
  steps: number;
}

/**
 * Fed-Heart-Disease's size (13 features, about 200 records a site, FLamby's batch of 4), then a
 * model where the dense layers dominate, to show how per-example clipping scales with them.
 */
export const DEFAULT_TRAINING_CASES: readonly DpTrainingCase[] = [
  { name: 'logistic_regression_13', features: 13, hidden: [], records: 200, expectedBatch: 4, steps: 500 },
  { name: 'mlp_64_256_128', features: 64, hidden: [256, 128], records: 5000, expectedBatch: 64, steps: 200 },
];

export interface DpBenchOptions {
  /** Steps of the accountant's heterogeneous schedule (default 10,000). */
  steps?: number;
  /** Timed runs after the warm-up; every timing reported is the median over them (default 3). */
  repeats?: number;
  /** Models to train (default {@link DEFAULT_TRAINING_CASES}); tests pass tiny ones. */
  training?: readonly DpTrainingCase[];
  /** One line per finished measurement. */
  onProgress?: (line: string) => void;
}

export interface DpTrainingReport {
  name: string;
  architecture: string;
  features: number;
  hidden_units: number[];
  parameters: number;
  records: number;
  expected_batch: number;
  sampling_rate: number;
  clip_norm: number;
  noise_multiplier: number;
  /** Steps in each timed run, the same on both sides. */
  steps: number;
  /** Median wall time of a plain run (fixed batch of expected_batch), over its steps. Includes train()'s setup, the same on both sides. */
  plain_s_per_step: number;
  /** The same for DP-SGD: Poisson sampling, per-example clipping, noise from the CSPRNG. */
  dp_s_per_step: number;
  ratio_dp_to_plain: number;
  /** Fraction of example gradients clipped in the last DP run, to show clipping was active. */
  dp_clipped_fraction: number;
}

export interface DpAccountantReport {
  convention: ConventionName;
  /** RDP orders the accountant evaluates at every compose. */
  orders: number;
  steps: number;
  delta: number;
  /** `steps` composes of one step each, q and noise multiplier drawn per step (see {@link heterogeneousSchedule}), then epsilon(delta). Median over the repeats. */
  heterogeneous_s: number;
  heterogeneous_us_per_step: number;
  epsilon: number;
  best_order: number;
  /** The schedule's first step, composed `steps` times in one call. */
  homogeneous_q: number;
  homogeneous_noise_multiplier: number;
  /** One compose with `steps` steps, then epsilon(delta). Median over the repeats. */
  homogeneous_s: number;
  homogeneous_epsilon: number;
  ratio_heterogeneous_to_homogeneous: number;
}

export interface DpBenchReport {
  /** The TensorFlow.js backend selectBackend() chose. */
  backend: string;
  tfjs_version: string;
  node_version: string;
  repeats: number;
  training: DpTrainingReport[];
  accountant: DpAccountantReport;
}

/** DP-SGD's settings in every case: Opacus's usual clip norm and a noise multiplier typical of ε of a few. */
const CLIP_NORM = 1;
const NOISE_MULTIPLIER = 1.1;
const DELTA = 1e-5;
const CONVENTION: ConventionName = 'dp-accounting';

export async function runDpBench(options: DpBenchOptions = {}): Promise<DpBenchReport> {
  const { steps = 10_000, repeats = 3, training = DEFAULT_TRAINING_CASES, onProgress = () => {} } = options;
  positiveInteger('steps', steps);
  positiveInteger('repeats', repeats);
  for (const c of training) {
    for (const field of ['features', 'records', 'expectedBatch', 'steps'] as const) positiveInteger(`${c.name}: ${field}`, c[field]);
    if (c.expectedBatch > c.records) throw new Error(`${c.name}: expectedBatch ${c.expectedBatch} exceeds records ${c.records}`);
  }

  const backend = await selectBackend();
  const trainingReports: DpTrainingReport[] = [];
  for (const c of training) {
    const report = trainingCase(c, repeats);
    onProgress(
      `${c.name}: plain ${formatSeconds(report.plain_s_per_step)}/step, DP-SGD ${formatSeconds(report.dp_s_per_step)}/step, ${report.ratio_dp_to_plain.toFixed(2)}x`,
    );
    trainingReports.push(report);
  }
  const accountant = accountantTimes(steps, repeats);
  onProgress(
    `accountant: ${steps} heterogeneous steps in ${formatSeconds(accountant.heterogeneous_s)}, one homogeneous compose in ${formatSeconds(accountant.homogeneous_s)}`,
  );
  return { backend, tfjs_version: tf.version.tfjs, node_version: process.version, repeats, training: trainingReports, accountant };
}

/** A warm-up of each, then `repeats` rounds alternating which goes first, so drift hits both sides alike. */
function trainingCase(c: DpTrainingCase, repeats: number): DpTrainingReport {
  const spec = c.hidden.length === 0 ? modelSpec('logistic-regression', c.features) : modelSpec('mlp', c.features, c.hidden);
  const data = syntheticExamples(c.records, c.features, 1);
  const initial = initialParameters(spec, 1);
  const dp: DpSgdSettings = { clipNorm: CLIP_NORM, noiseMultiplier: NOISE_MULTIPLIER, samplingRate: c.expectedBatch / c.records };
  const base: TrainingOptions = { optimizer: 'sgd', learningRate: 0.01, batchSize: c.expectedBatch, steps: c.steps, seed: 1 };
  let clippedFraction = 0;
  const run = (isPrivate: boolean): number => {
    const start = performance.now();
    const result = train(spec, initial, data, isPrivate ? { ...base, dp } : base);
    const elapsed = seconds(start);
    if (isPrivate) clippedFraction = result.clippedFraction!;
    return elapsed;
  };
  run(false);
  run(true);
  const plain: number[] = [];
  const priv: number[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const isPrivate of r % 2 === 0 ? [false, true] : [true, false]) (isPrivate ? priv : plain).push(run(isPrivate));
  }
  const plainPerStep = median(plain) / c.steps;
  const dpPerStep = median(priv) / c.steps;
  return {
    name: c.name,
    architecture: spec.architecture,
    features: c.features,
    hidden_units: [...c.hidden],
    parameters: parameterCount(spec),
    records: c.records,
    expected_batch: c.expectedBatch,
    sampling_rate: dp.samplingRate,
    clip_norm: dp.clipNorm,
    noise_multiplier: dp.noiseMultiplier,
    steps: c.steps,
    plain_s_per_step: plainPerStep,
    dp_s_per_step: dpPerStep,
    ratio_dp_to_plain: dpPerStep / plainPerStep,
    dp_clipped_fraction: clippedFraction,
  };
}

function accountantTimes(steps: number, repeats: number): DpAccountantReport {
  const schedule = heterogeneousSchedule(steps);
  const first = schedule[0]!;
  const heterogeneous = () => {
    const accountant = new RdpAccountant(CONVENTION);
    for (const { q, noiseMultiplier } of schedule) accountant.compose({ q, noiseMultiplier, steps: 1 });
    return accountant.epsilon(DELTA);
  };
  const homogeneous = () => new RdpAccountant(CONVENTION).compose({ q: first.q, noiseMultiplier: first.noiseMultiplier, steps }).epsilon(DELTA);
  // Warm-up: enough composes for the JIT to optimise the RDP series.
  const warm = new RdpAccountant(CONVENTION);
  for (const { q, noiseMultiplier } of schedule.slice(0, 200)) warm.compose({ q, noiseMultiplier, steps: 1 });
  homogeneous();

  const heterogeneousTimes: number[] = [];
  const homogeneousTimes: number[] = [];
  let result: EpsilonResult | undefined;
  let homogeneousResult: EpsilonResult | undefined;
  for (let r = 0; r < repeats; r++) {
    let start = performance.now();
    result = heterogeneous();
    heterogeneousTimes.push(seconds(start));
    start = performance.now();
    homogeneousResult = homogeneous();
    homogeneousTimes.push(seconds(start));
  }
  const heterogeneousS = median(heterogeneousTimes);
  const homogeneousS = median(homogeneousTimes);
  return {
    convention: CONVENTION,
    orders: new RdpAccountant(CONVENTION).convention.orders.length,
    steps,
    delta: DELTA,
    heterogeneous_s: heterogeneousS,
    heterogeneous_us_per_step: (heterogeneousS / steps) * 1e6,
    epsilon: result!.epsilon,
    best_order: result!.bestOrder,
    homogeneous_q: first.q,
    homogeneous_noise_multiplier: first.noiseMultiplier,
    homogeneous_s: homogeneousS,
    homogeneous_epsilon: homogeneousResult!.epsilon,
    ratio_heterogeneous_to_homogeneous: heterogeneousS / homogeneousS,
  };
}

/**
 * The accountant's schedule: per step a sampling rate uniform in [0.001, 0.1] and a noise multiplier
 * uniform in [0.5, 3], from a seeded generator so every run composes the same steps.
 */
export function heterogeneousSchedule(steps: number, seed = 1): { q: number; noiseMultiplier: number }[] {
  const random = seededRandom(seed);
  return Array.from({ length: steps }, () => ({ q: 0.001 + random.next() * 0.099, noiseMultiplier: 0.5 + random.next() * 2.5 }));
}

/**
 * Standard normal features and labels from a fixed linear rule plus noise (about 85% separable),
 * from a seeded generator: the same records every run, no dataset needed.
 */
export function syntheticExamples(count: number, features: number, seed: number): Examples {
  const random = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const weights = Array.from({ length: features }, normal);
  const scale = 1 / Math.sqrt(features);
  const x = new Float32Array(count * features);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) {
      const v = normal();
      x[i * features + j] = v;
      score += v * weights[j]! * scale;
    }
    y[i] = score + 0.5 * normal() > 0 ? 1 : 0;
  }
  return { x, y, count, features };
}

function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`${name} must be a positive integer, got ${value}`);
}

/** The report as two tables: training per model (plain, DP-SGD, ratio), then the accountant. */
export function formatDpBench(r: DpBenchReport): string {
  const n = formatCount;
  const training = alignColumns([
    ['model', 'parameters', 'records', 'batch', 'steps', 'plain / step', 'DP-SGD / step', 'DP/plain'],
    ...r.training.map((t) => [
      t.name,
      n(t.parameters),
      n(t.records),
      `${n(t.expected_batch)} (q=${Number(t.sampling_rate.toPrecision(3))})`,
      n(t.steps),
      formatSeconds(t.plain_s_per_step),
      formatSeconds(t.dp_s_per_step),
      `${t.ratio_dp_to_plain.toFixed(2)}x`,
    ]),
  ]);
  const a = r.accountant;
  const accountant = alignColumns([
    ['accountant', 'time', 'per step', 'epsilon'],
    [
      `${n(a.steps)} heterogeneous steps`,
      formatSeconds(a.heterogeneous_s),
      formatSeconds(a.heterogeneous_us_per_step / 1e6),
      `${n(a.epsilon)} (order ${a.best_order})`,
    ],
    [`one run of ${n(a.steps)} steps`, formatSeconds(a.homogeneous_s), '', n(a.homogeneous_epsilon)],
  ]);
  return [
    `DP-SGD vs plain SGD on ${r.backend} (tfjs ${r.tfjs_version}), clip norm ${r.training[0]?.clip_norm ?? CLIP_NORM}, noise multiplier ${r.training[0]?.noise_multiplier ?? NOISE_MULTIPLIER}, median of ${r.repeats} runs after a warm-up, node ${r.node_version}`,
    ...training,
    "plain = the same steps with a fixed batch of the DP batch's expected size; per step = a run's wall time over its steps",
    '',
    `RDP accountant (${a.convention}, ${a.orders} orders), delta ${a.delta}: q uniform in [0.001, 0.1] and noise multiplier in [0.5, 3] per step;`,
    `the single run composes the first step's q=${a.homogeneous_q.toPrecision(3)}, z=${a.homogeneous_noise_multiplier.toPrecision(3)} in one call`,
    ...accountant,
    `heterogeneous / one run: ${n(a.ratio_heterogeneous_to_homogeneous)}x`,
  ].join('\n');
}
