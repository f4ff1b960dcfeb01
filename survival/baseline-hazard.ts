import { checkTimeGrid } from '../common/model-spec.js';
import type { SurvivalRecords, Ties } from './partial-likelihood.js';

/**
 * The cumulative baseline hazard of a Cox model at given coefficients, as a step function, with the
 * pieces its variance needs (survival/absolute-risk.ts). Two forms:
 *
 * - {@link breslowHazard}: one stratum's own estimator at every distinct follow-up time, as R's
 *   `basehaz` / `survfit.coxph` compute it (Breslow's, or Efron's correction of tied times).
 * - {@link gridSums} and {@link gridBaseline}: per-clinic sums over an agreed time grid that add
 *   across clinics, and the baseline they give. It is exactly Breslow's estimator for the records
 *   with each event time moved to the end of its grid interval and each censoring time to the
 *   interval's start; when every event time is a grid time it is Breslow's estimator itself. Summed
 *   over clinics it is one baseline for the consortium: Breslow's with every clinic's patients in
 *   the risk sets.
 *
 * Everything is at a reference covariate vector (the centre): the hazard of a patient with
 * covariates x is `hazard · exp(β·(x - centre))`, which keeps exp(β·x) in range.
 */
export interface BaselineHazard {
  /** Increasing times at which the step function is given. */
  time: Float64Array;
  /** The covariates the hazard is for: a patient's hazard is `hazard · exp(β·(x - centre))`. */
  centre: Float64Array;
  /** The cumulative hazard at each time, for covariates `centre`. */
  hazard: Float64Array;
  /** Σ dN / S0² up to each time: the baseline's own variance at known coefficients. */
  variance: Float64Array;
  /** Σ dN · S1 / S0² up to each time (`time.length x p`, row-major): the hazard's derivative in β, negated. */
  slope: Float64Array;
}

/** The stratum's covariate means: a reference that keeps exp(β·(x - centre)) near 1. */
export function covariateMeans({ x, count, covariates: p }: SurvivalRecords): Float64Array {
  const means = new Float64Array(p);
  for (let i = 0; i < count; i++) for (let j = 0; j < p; j++) means[j] += x[i * p + j]! / count;
  return means;
}

/** exp(β·(x_i - centre)) for every record. */
function relativeRisks({ x, count, covariates: p }: SurvivalRecords, beta: ArrayLike<number>, centre: ArrayLike<number>): Float64Array {
  const risks = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let eta = 0;
    for (let j = 0; j < p; j++) eta += (x[i * p + j]! - centre[j]!) * beta[j]!;
    risks[i] = Math.exp(eta);
  }
  return risks;
}

/**
 * One stratum's cumulative baseline hazard at `beta`, at every distinct follow-up time (event or
 * censored, as R gives it), for covariates `centre` (default 0: R's `basehaz(fit, centered = FALSE)`).
 * `ties`: `breslow` adds d / S0 at a time with d events (survfit's ctype 1); `efron` adds
 * Σ_l 1 / (S0 - l/d · S0 of the tied events), l = 0..d-1 (ctype 2, basehaz's default for an Efron fit).
 */
export function breslowHazard(records: SurvivalRecords, beta: ArrayLike<number>, options: { ties?: Ties; centre?: ArrayLike<number> } = {}): BaselineHazard {
  const { count: n, covariates: p, x, time, event } = records;
  const ties = options.ties ?? 'breslow';
  const centre = Float64Array.from(options.centre ?? new Float64Array(p));
  // Risks relative to the stratum's means (in range), rescaled to `centre` at the end.
  const means = covariateMeans(records);
  const risk = relativeRisks(records, beta, means);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => time[b]! - time[a]!);
  const times: number[] = [];
  const increments: { hazard: number; variance: number; slope: Float64Array }[] = [];
  let s0 = 0;
  const s1 = new Float64Array(p);
  for (let start = 0; start < n;) {
    const t = time[order[start]!]!;
    let tied0 = 0;
    const tied1 = new Float64Array(p);
    let deaths = 0;
    let end = start;
    for (; end < n && time[order[end]!] === t; end++) {
      const i = order[end]!;
      s0 += risk[i]!;
      for (let j = 0; j < p; j++) s1[j] += risk[i]! * (x[i * p + j]! - means[j]!);
      if (event[i]) {
        deaths++;
        tied0 += risk[i]!;
        for (let j = 0; j < p; j++) tied1[j] += risk[i]! * (x[i * p + j]! - means[j]!);
      }
    }
    const increment = { hazard: 0, variance: 0, slope: new Float64Array(p) };
    for (let l = 0; l < deaths; l++) {
      const f = ties === 'efron' ? l / deaths : 0;
      const at = s0 - f * tied0;
      increment.hazard += 1 / at;
      increment.variance += 1 / (at * at);
      for (let j = 0; j < p; j++) increment.slope[j] += (s1[j]! - f * tied1[j]!) / (at * at);
    }
    times.push(t);
    increments.push(increment);
    start = end;
  }
  times.reverse();
  increments.reverse();
  const cumulative = accumulate(
    increments.map((inc) => inc.hazard),
    increments.map((inc) => inc.variance),
    increments.map((inc) => inc.slope),
    p,
  );
  return recentre({ time: Float64Array.from(times), centre: means, ...cumulative }, beta, centre);
}

/**
 * The baseline at another reference covariate vector: hazards scale by exp(β·(new - centre)),
 * variances by its square, and the slope's S1 = Σ (x - centre) w gains (centre - new) S0.
 */
export function recentre(baseline: BaselineHazard, beta: ArrayLike<number>, centre: ArrayLike<number>): BaselineHazard {
  const p = baseline.centre.length;
  let shift = 0;
  for (let j = 0; j < p; j++) shift += (centre[j]! - baseline.centre[j]!) * beta[j]!;
  const scale = Math.exp(shift);
  const slope = new Float64Array(baseline.slope.length);
  baseline.time.forEach((_, k) => {
    for (let j = 0; j < p; j++) {
      // Σ dN (x - new) w' / S0'² with w' = w / scale: (slope + (old - new) · hazard) · scale.
      slope[k * p + j] = (baseline.slope[k * p + j]! + (baseline.centre[j]! - centre[j]!) * baseline.hazard[k]!) * scale;
    }
  });
  return {
    time: baseline.time,
    centre: Float64Array.from(centre),
    hazard: baseline.hazard.map((h) => h * scale),
    variance: baseline.variance.map((v) => v * scale * scale),
    slope,
  };
}

function accumulate(hazard: number[], variance: number[], slope: Float64Array[], p: number): Pick<BaselineHazard, 'hazard' | 'variance' | 'slope'> {
  const out = { hazard: new Float64Array(hazard.length), variance: new Float64Array(hazard.length), slope: new Float64Array(hazard.length * p) };
  let h = 0;
  let v = 0;
  const s = new Float64Array(p);
  hazard.forEach((_, k) => {
    h += hazard[k]!;
    v += variance[k]!;
    out.hazard[k] = h;
    out.variance[k] = v;
    for (let j = 0; j < p; j++) out.slope[k * p + j] = s[j] += slope[k]![j]!;
  });
  return out;
}

/**
 * Per grid interval (g_{k-1}, g_k], g_0 = 0: the events in it, and over its risk set (records
 * followed to g_k or beyond, and those whose event fell in the interval) Σ w and Σ (x - centre) w,
 * w = exp(β·(x - centre)). Sums of two clinics' are the sums of their records together.
 */
export interface GridSums {
  events: Float64Array;
  atRisk: Float64Array;
  /** `grid.length x p`, row-major. */
  atRiskX: Float64Array;
}

/** The index of the first grid time at or after `t` (grid.length when t is beyond the grid). */
function intervalOf(grid: ArrayLike<number>, t: number): number {
  let low = 0;
  let high = grid.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (grid[mid]! < t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** One clinic's (one stratum's) sums on `grid` at `beta`, centred on `centre`. */
export function gridSums(records: SurvivalRecords, beta: ArrayLike<number>, grid: readonly number[], centre: ArrayLike<number>): GridSums {
  checkTimeGrid(grid);
  const { count: n, covariates: p, x, time, event } = records;
  const K = grid.length;
  const risk = relativeRisks(records, beta, centre);
  // Each record is at risk at grid times 0..last: added at `last`, then summed from the end.
  const sums = { events: new Float64Array(K), atRisk: new Float64Array(K), atRiskX: new Float64Array(K * p) };
  for (let i = 0; i < n; i++) {
    const k = intervalOf(grid, time[i]!);
    const stays = k < K && (event[i] === 1 || time[i] === grid[k]);
    const last = k === K ? K - 1 : stays ? k : k - 1;
    if (event[i] && k < K) sums.events[k] += 1;
    if (last < 0) continue;
    sums.atRisk[last] += risk[i]!;
    for (let j = 0; j < p; j++) sums.atRiskX[last * p + j] += risk[i]! * (x[i * p + j]! - centre[j]!);
  }
  for (let k = K - 2; k >= 0; k--) {
    sums.atRisk[k] += sums.atRisk[k + 1]!;
    for (let j = 0; j < p; j++) sums.atRiskX[k * p + j] += sums.atRiskX[(k + 1) * p + j]!;
  }
  return sums;
}

/** a + b, term by term: two clinics' sums together. */
export function addGridSums(a: GridSums, b: GridSums): GridSums {
  return {
    events: a.events.map((v, k) => v + b.events[k]!),
    atRisk: a.atRisk.map((v, k) => v + b.atRisk[k]!),
    atRiskX: a.atRiskX.map((v, k) => v + b.atRiskX[k]!),
  };
}

/** The baseline hazard on the grid from (summed) grid sums taken at `centre`. */
export function gridBaseline(grid: ArrayLike<number>, centre: ArrayLike<number>, sums: GridSums): BaselineHazard {
  const K = grid.length;
  const p = centre.length;
  const hazard: number[] = [];
  const variance: number[] = [];
  const slope: Float64Array[] = [];
  for (let k = 0; k < K; k++) {
    const d = sums.events[k]!;
    const s0 = sums.atRisk[k]!;
    if (d > 0 && !(s0 > 0)) throw new RangeError(`grid interval ${k + 1} has ${d} events and no one at risk: the sums are inconsistent`);
    const inverse = d > 0 ? 1 / s0 : 0;
    hazard.push(d * inverse);
    variance.push(d * inverse * inverse);
    slope.push(Float64Array.from({ length: p }, (_, j) => d * inverse * inverse * sums.atRiskX[k * p + j]!));
  }
  return { time: Float64Array.from(grid), centre: Float64Array.from(centre), ...accumulate(hazard, variance, slope, p) };
}
