/**
 * The Cox partial likelihood of one stratum (one clinic's patients), its gradient and its
 * information matrix, with Efron's or Breslow's handling of tied event times, computed as R's
 * `survival::coxph` does. A stratified likelihood is the sum over strata, so a federation's
 * clinics each compute these on their own records and only the sums need to meet.
 */

/** One stratum's survival records: covariates row-major (n x p), follow-up times and event flags. */
export interface SurvivalRecords {
  /** Covariates, `count x covariates`, row-major. */
  x: Float64Array;
  /** Follow-up time of each record (any unit, > 0). */
  time: Float64Array;
  /** 1 when the record's follow-up ended in the event, 0 when censored. */
  event: Uint8Array;
  count: number;
  covariates: number;
}

export type Ties = 'efron' | 'breslow';

/** The log partial likelihood at β, its gradient and information (minus the Hessian), row-major. */
export interface CoxStatistics {
  logLikelihood: number;
  gradient: Float64Array;
  information: Float64Array;
  /** Events counted (so a sum over strata also counts them). */
  events: number;
}

/** The statistics of no records: the identity for {@link addStatistics}. */
export function emptyStatistics(covariates: number): CoxStatistics {
  return { logLikelihood: 0, gradient: new Float64Array(covariates), information: new Float64Array(covariates * covariates), events: 0 };
}

/** a + b, term by term (the stratified likelihood of two strata). */
export function addStatistics(a: CoxStatistics, b: CoxStatistics): CoxStatistics {
  return {
    logLikelihood: a.logLikelihood + b.logLikelihood,
    gradient: a.gradient.map((v, i) => v + b.gradient[i]!),
    information: a.information.map((v, i) => v + b.information[i]!),
    events: a.events + b.events,
  };
}

/** Risk-set sums Σ w, Σ w x, Σ w x xᵀ, accumulated record by record. */
class WeightedMoments {
  s0 = 0;
  readonly s1: Float64Array;
  readonly s2: Float64Array;

  constructor(private readonly p: number) {
    this.s1 = new Float64Array(p);
    this.s2 = new Float64Array(p * p);
  }

  add(weight: number, x: Float64Array, row: number): void {
    const { p } = this;
    this.s0 += weight;
    for (let j = 0; j < p; j++) {
      const wx = weight * x[row * p + j]!;
      this.s1[j] += wx;
      for (let k = 0; k <= j; k++) this.s2[j * p + k] += wx * x[row * p + k]!;
    }
  }

  clear(): void {
    this.s0 = 0;
    this.s1.fill(0);
    this.s2.fill(0);
  }
}

/**
 * Statistics of one stratum at `beta`. Covariates are centred on the stratum's own means first,
 * which leaves every statistic unchanged (the likelihood is a ratio within the stratum) and keeps
 * exp(xβ) in range.
 */
export function coxStatistics(records: SurvivalRecords, beta: ArrayLike<number>, ties: Ties = 'efron'): CoxStatistics {
  const { count: n, covariates: p } = records;
  const x = centred(records);
  const eta = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) eta[i] += x[i * p + j]! * beta[j]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => records.time[b]! - records.time[a]!);
  const stats = emptyStatistics(p);
  const risk = new WeightedMoments(p);
  const tied = new WeightedMoments(p);
  for (let start = 0; start < n;) {
    // Records sharing this time join the risk set together; its events form the tied group.
    const t = records.time[order[start]!]!;
    let end = start;
    tied.clear();
    let deaths = 0;
    for (; end < n && records.time[order[end]!] === t; end++) {
      const i = order[end]!;
      const w = Math.exp(eta[i]!);
      risk.add(w, x, i);
      if (records.event[i]) {
        deaths++;
        tied.add(w, x, i);
        stats.logLikelihood += eta[i]!;
        for (let j = 0; j < p; j++) stats.gradient[j] += x[i * p + j]!;
      }
    }
    if (deaths > 0) addTiedGroup(stats, risk, tied, deaths, ties, p);
    start = end;
  }
  mirrorLower(stats.information, p);
  return stats;
}

/** One event time's share: Efron removes a growing fraction of the tied events' weight per death. */
function addTiedGroup(stats: CoxStatistics, risk: WeightedMoments, tied: WeightedMoments, deaths: number, ties: Ties, p: number): void {
  for (let l = 0; l < deaths; l++) {
    const f = ties === 'efron' ? l / deaths : 0;
    const s0 = risk.s0 - f * tied.s0;
    stats.logLikelihood -= Math.log(s0);
    for (let j = 0; j < p; j++) {
      const mj = (risk.s1[j]! - f * tied.s1[j]!) / s0;
      stats.gradient[j] -= mj;
      for (let k = 0; k <= j; k++) {
        const mk = (risk.s1[k]! - f * tied.s1[k]!) / s0;
        stats.information[j * p + k] += (risk.s2[j * p + k]! - f * tied.s2[j * p + k]!) / s0 - mj * mk;
      }
    }
  }
  stats.events += deaths;
}

function centred({ x, count, covariates: p }: SurvivalRecords): Float64Array {
  const means = new Float64Array(p);
  for (let i = 0; i < count; i++) for (let j = 0; j < p; j++) means[j] += x[i * p + j]! / count;
  return x.map((v, index) => v - means[index % p]!);
}

function mirrorLower(matrix: Float64Array, p: number): void {
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) matrix[k * p + j] = matrix[j * p + k]!;
}
