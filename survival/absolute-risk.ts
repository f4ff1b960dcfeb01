import type { BaselineHazard } from './baseline-hazard.js';
import { Z_975 } from './newton-raphson.js';

/**
 * A patient's absolute risk of the event by a horizon from a Cox model: 1 - exp(-Λ), Λ = H0(t) ·
 * exp(β·(x - centre)), with a 95% interval whose variance has both sources (as R's survfit.coxph
 * computes it for Breslow's estimator): the baseline's own, Σ dN / S0², and the coefficients', by the
 * delta method with their covariance. For a model with a treatment column, the risk under each arm
 * and their difference, whose variance keeps the two arms' covariance (they share H0 and β).
 */
export interface RiskModel {
  /** The coefficients the baseline was computed at. */
  coefficients: ArrayLike<number>;
  /** Their covariance (the inverse information), p x p row-major. */
  covariance: ArrayLike<number>;
  baseline: BaselineHazard;
}

export interface RiskEstimate {
  /** 1 - S(t | x). */
  risk: number;
  /** The 95% interval, on the log(-log S) scale (R's conf.type "log-log"), so within [0, 1]. */
  low: number;
  high: number;
  cumulativeHazard: number;
  /** The standard error of the cumulative hazard. */
  standardError: number;
}

export interface ArmRisks {
  control: RiskEstimate;
  treated: RiskEstimate;
  /** treated - control, with a 95% Wald interval (delta method), clipped to [-1, 1]. */
  difference: { value: number; low: number; high: number; standardError: number };
}

/** One patient's Λ and what its variance needs: exp(η) and the gradient direction q. */
interface HazardTerms {
  lambda: number;
  scale: number;
  q: Float64Array;
}

/** The last baseline time at or before `horizon` (-1 before the first); an error past the last. */
export function horizonIndex(baseline: BaselineHazard, horizon: number): number {
  const { time } = baseline;
  if (!(Number.isFinite(horizon) && horizon >= 0)) throw new RangeError(`horizon ${horizon} is not a non-negative time`);
  const last = time[time.length - 1]!;
  if (horizon > last) throw new RangeError(`horizon ${horizon} is beyond the baseline hazard's last time ${last}: the model knows nothing after it`);
  let k = -1;
  while (k + 1 < time.length && time[k + 1]! <= horizon) k++;
  return k;
}

function hazardTerms(model: RiskModel, x: ArrayLike<number>, k: number): HazardTerms {
  const { baseline, coefficients: beta } = model;
  const p = baseline.centre.length;
  if (x.length !== p) throw new RangeError(`the model has ${p} covariates; the patient has ${x.length}`);
  let eta = 0;
  for (let j = 0; j < p; j++) eta += (x[j]! - baseline.centre[j]!) * beta[j]!;
  const scale = Math.exp(eta);
  const hazard = k < 0 ? 0 : baseline.hazard[k]!;
  // dΛ/dβ = exp(η) · ((x - centre) H0 - Σ dN S1 / S0²).
  const q = Float64Array.from({ length: p }, (_, j) => (x[j]! - baseline.centre[j]!) * hazard - (k < 0 ? 0 : baseline.slope[k * p + j]!));
  return { lambda: hazard * scale, scale, q };
}

/** Cov(Λ_a, Λ_b) at baseline index k. */
function hazardCovariance(model: RiskModel, a: HazardTerms, b: HazardTerms, k: number): number {
  if (k < 0) return 0;
  const p = a.q.length;
  let quadratic = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) quadratic += a.q[i]! * model.covariance[i * p + j]! * b.q[j]!;
  return a.scale * b.scale * (model.baseline.variance[k]! + quadratic);
}

function estimate(terms: HazardTerms, variance: number): RiskEstimate {
  const { lambda } = terms;
  const standardError = Math.sqrt(Math.max(variance, 0));
  const risk = -Math.expm1(-lambda);
  if (lambda === 0) return { risk: 0, low: 0, high: 0, cumulativeHazard: 0, standardError };
  // log Λ ± z se(Λ) / Λ.
  const spread = Math.exp((Z_975 * standardError) / lambda);
  return { risk, low: -Math.expm1(-lambda / spread), high: -Math.expm1(-lambda * spread), cumulativeHazard: lambda, standardError };
}

/** The absolute risk by `horizon` of a patient with covariates `x`. */
export function absoluteRisk(model: RiskModel, x: ArrayLike<number>, horizon: number): RiskEstimate {
  const k = horizonIndex(model.baseline, horizon);
  const terms = hazardTerms(model, x, k);
  return estimate(terms, hazardCovariance(model, terms, terms, k));
}

/**
 * The risk by `horizon` under each arm for a patient with covariates `x`: the treatment covariate
 * (index `treatment`) set to `control` and to `treated` (0 and 1 by default), everything else as given.
 */
export function risksByArm(model: RiskModel, x: ArrayLike<number>, treatment: number, horizon: number, levels: [number, number] = [0, 1]): ArmRisks {
  const k = horizonIndex(model.baseline, horizon);
  const [control, treated] = levels.map((level) => {
    const arm = Float64Array.from(x);
    arm[treatment] = level;
    return hazardTerms(model, arm, k);
  }) as [HazardTerms, HazardTerms];
  const varControl = hazardCovariance(model, control, control, k);
  const varTreated = hazardCovariance(model, treated, treated, k);
  const covariance = hazardCovariance(model, control, treated, k);
  // d(1 - e^{-Λ})/dΛ = e^{-Λ}.
  const sControl = Math.exp(-control.lambda);
  const sTreated = Math.exp(-treated.lambda);
  const variance = sTreated * sTreated * varTreated + sControl * sControl * varControl - 2 * sTreated * sControl * covariance;
  const value = sControl - sTreated;
  const standardError = Math.sqrt(Math.max(variance, 0));
  return {
    control: estimate(control, varControl),
    treated: estimate(treated, varTreated),
    difference: { value, low: Math.max(-1, value - Z_975 * standardError), high: Math.min(1, value + Z_975 * standardError), standardError },
  };
}
