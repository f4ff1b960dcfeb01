/**
 * The console benchmark's arithmetic and table (bench/console.ts measures): per arm, the rounds'
 * times pooled over its trials (median and quartiles), the coordinator's CPU per round per trial
 * (median and range), and both as ratios to the arm with no browser. Pure: no clock, no processes.
 */
import { logMessages } from '../common/logging/logger.js';
import { alignColumns, formatCount } from './report-format.js';
import { median } from './timing.js';

/** What the coordinator serves while the study runs: no browser, the study page open, the privacy page open. */
export type ConsoleArm = 'none' | 'study' | 'privacy';

export const ARM_LABELS: Record<ConsoleArm, string> = {
  none: 'no browser',
  study: 'study page open',
  privacy: 'privacy page open',
};

/** One study run from start to finish under one arm. */
export interface ConsoleTrial {
  arm: ConsoleArm;
  /** Each round's time, opened to closed, as the coordinator recorded it. */
  roundS: number[];
  /** CPU (user + system) of the coordinator's process from the nodes' start to the study's end. */
  coordinatorCpuS: number;
  /** CPU of the browser's process tree meanwhile (0 without one): it shares the machine with the clinics. */
  browserCpuS: number;
  /** HTTP requests the coordinator logged meanwhile (answers sent: a stream still open is not yet one). */
  httpRequests: number;
  /** What the browser asked for: stream connections from the page's opening on, study reloads during the study (0 without one). */
  streamConnections: number;
  studyReloads: number;
}

/** The lower quartile, median and upper quartile (linear interpolation between order statistics). */
export interface Spread {
  q1: number;
  median: number;
  q3: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  if (values.length === 0) throw new Error('spread of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => {
    const i = p * (sorted.length - 1);
    const lo = Math.floor(i);
    const hi = Math.ceil(i);
    return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
  };
  return { q1: at(0.25), median: median(sorted), q3: at(0.75), min: sorted[0]!, max: sorted.at(-1)! };
}

export interface ArmSummary {
  arm: ConsoleArm;
  trials: number;
  rounds: number;
  /** Over every round of every trial of the arm. */
  round_s: Spread;
  /** Coordinator CPU seconds per round, one value per trial. */
  cpu_per_round_s: Spread;
  /** The browser's CPU seconds per round, one value per trial. */
  browser_cpu_per_round_s: Spread;
  /** Medians over the no-browser arm's (null for that arm itself, or when it did not run). */
  round_ratio: number | null;
  cpu_ratio: number | null;
  /** Totals over the arm's trials. */
  http_requests: number;
  stream_connections: number;
  study_reloads: number;
}

export function summariseArms(trials: ConsoleTrial[]): ArmSummary[] {
  const arms = [...new Set(trials.map((t) => t.arm))];
  const summaries = arms.map((arm): ArmSummary => {
    const mine = trials.filter((t) => t.arm === arm);
    const rounds = mine.flatMap((t) => t.roundS);
    return {
      arm,
      trials: mine.length,
      rounds: rounds.length,
      round_s: spread(rounds),
      cpu_per_round_s: spread(mine.map((t) => t.coordinatorCpuS / t.roundS.length)),
      browser_cpu_per_round_s: spread(mine.map((t) => t.browserCpuS / t.roundS.length)),
      round_ratio: null,
      cpu_ratio: null,
      http_requests: sum(mine.map((t) => t.httpRequests)),
      stream_connections: sum(mine.map((t) => t.streamConnections)),
      study_reloads: sum(mine.map((t) => t.studyReloads)),
    };
  });
  const base = summaries.find((s) => s.arm === 'none');
  if (!base) return summaries;
  return summaries.map((s) =>
    s.arm === 'none' ? s : { ...s, round_ratio: s.round_s.median / base.round_s.median, cpu_ratio: s.cpu_per_round_s.median / base.cpu_per_round_s.median },
  );
}

export interface ConsoleBenchReport {
  rounds_per_study: number;
  trials_per_arm: number;
  privacy: string;
  clinics: number;
  node_version: string;
  chromium_version: string;
  cpus: number;
  arms: ArmSummary[];
  trials: ConsoleTrial[];
}

const ms = (s: number) => (s * 1e3).toFixed(1);
const ratio = (r: number | null) => (r === null ? '1 (base)' : r.toFixed(3));

/** The report as a table: one row per arm, times in milliseconds. */
export function formatConsoleBench(r: ConsoleBenchReport): string {
  const rows = [
    [
      'arm',
      'rounds',
      'round median ms',
      'round q1-q3 ms',
      'x no browser',
      'coord CPU ms/round',
      'CPU min-max',
      'x no browser',
      'browser CPU ms/round',
      'HTTP reqs',
      'streams',
      'reloads',
    ],
    ...r.arms.map((a) => [
      ARM_LABELS[a.arm],
      String(a.rounds),
      ms(a.round_s.median),
      `${ms(a.round_s.q1)}-${ms(a.round_s.q3)}`,
      ratio(a.round_ratio),
      ms(a.cpu_per_round_s.median),
      `${ms(a.cpu_per_round_s.min)}-${ms(a.cpu_per_round_s.max)}`,
      ratio(a.cpu_ratio),
      ms(a.browser_cpu_per_round_s.median),
      formatCount(a.http_requests),
      formatCount(a.stream_connections),
      formatCount(a.study_reloads),
    ]),
  ];
  return [
    `console: ${r.clinics} Fed-Heart-Disease clinics, privacy ${r.privacy}, ${r.rounds_per_study} rounds a study, ${r.trials_per_arm} alternating trials an arm`,
    `  (Node ${r.node_version}, ${r.chromium_version}, ${r.cpus} CPUs; coordinator in its own process, clinics and browser beside it)`,
    ...alignColumns(rows).map((line) => `  ${line}`),
  ].join('\n');
}

/** Requests the coordinator logged ("GET /path 200") in a piece of its output. */
export function countRequests(output: string): number {
  return logMessages(output)
    .split('\n')
    .filter((line) => /^(GET|HEAD|POST|PUT|PATCH|DELETE) \/\S* \d{3}$/.test(line)).length;
}

function sum(values: number[]): number {
  return values.reduce((s, v) => s + v, 0);
}
