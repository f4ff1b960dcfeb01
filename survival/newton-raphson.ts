import { cholesky, choleskyInverse, choleskySolve } from './linear-algebra.js';
import type { CoxStatistics } from './partial-likelihood.js';

/**
 * Fitting a Cox model by Newton-Raphson on the partial likelihood, as R's `coxph` does: start at
 * β = 0, step by the information's solve of the gradient, halve a step that lowers the likelihood,
 * stop when the log likelihood changes by a relative 1e-9. Where the statistics come from is the
 * caller's: one dataset, a sum over strata, or a sum over a federation's clinics.
 */
export interface NewtonOptions {
  /** Relative change of the log likelihood at which the fit has converged. Default 1e-9 (coxph's `eps`). */
  tolerance?: number;
  /** Iterations before giving up. Default 20 (coxph's `iter.max`). */
  maxIterations?: number;
  /** Called after each evaluation, for progress. */
  onIteration?: (iteration: number, logLikelihood: number) => void;
}

export interface CoxFit {
  coefficients: Float64Array;
  /** The inverse information at the estimate: the coefficients' covariance. */
  covariance: Float64Array;
  standardErrors: Float64Array;
  /** Log partial likelihood at β = 0 and at the estimate. */
  logLikelihood: { initial: number; final: number };
  iterations: number;
  converged: boolean;
  events: number;
}

export class CoxFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoxFitError';
  }
}

/** β + I⁻¹ g: one Newton-Raphson step from `beta` given the statistics there. */
export function newtonStep(beta: Float64Array, stats: CoxStatistics): Float64Array {
  const p = beta.length;
  const factor = cholesky(stats.information, p);
  if (!factor)
    throw new CoxFitError(
      'the information matrix is not positive definite: a covariate is constant or collinear within every stratum, or there are too few events',
    );
  const step = choleskySolve(factor, p, stats.gradient);
  return beta.map((b, j) => b + step[j]!);
}

/**
 * Fits by Newton-Raphson, evaluating the statistics at each β with `evaluate`. As in coxph, a halved
 * step counts as an iteration and a fit converges only on a full step.
 */
export async function fitCox(
  covariates: number,
  evaluate: (beta: Float64Array) => CoxStatistics | Promise<CoxStatistics>,
  options: NewtonOptions = {},
): Promise<CoxFit> {
  const { tolerance = 1e-9, maxIterations = 20, onIteration } = options;
  const start: Float64Array = new Float64Array(covariates);
  let best = { beta: start, stats: await evaluate(start) };
  onIteration?.(0, best.stats.logLikelihood);
  const initial = best.stats.logLikelihood;
  let candidate = newtonStep(best.beta, best.stats);
  let halved = false;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const stats = await evaluate(candidate);
    onIteration?.(iteration, stats.logLikelihood);
    if (!halved && Math.abs(1 - best.stats.logLikelihood / stats.logLikelihood) <= tolerance) {
      return summarise(candidate, stats, initial, iteration, true);
    }
    if (!(stats.logLikelihood >= best.stats.logLikelihood)) {
      // The step overshot: go half way back towards the best point.
      halved = true;
      candidate = candidate.map((b, j) => (b + best.beta[j]!) / 2);
    } else {
      halved = false;
      best = { beta: candidate, stats };
      candidate = newtonStep(best.beta, best.stats);
    }
  }
  return summarise(best.beta, best.stats, initial, maxIterations, false);
}

function summarise(beta: Float64Array, stats: CoxStatistics, initial: number, iterations: number, converged: boolean): CoxFit {
  const p = beta.length;
  const factor = cholesky(stats.information, p);
  if (!factor) throw new CoxFitError('the information matrix at the estimate is not positive definite: the coefficients have no standard errors');
  const covariance = choleskyInverse(factor, p);
  return {
    coefficients: beta,
    covariance,
    standardErrors: beta.map((_, j) => Math.sqrt(covariance[j * p + j]!)),
    logLikelihood: { initial, final: stats.logLikelihood },
    iterations,
    converged,
    events: stats.events,
  };
}

/** The two-sided 97.5% quantile of the standard normal, for 95% intervals. */
export const Z_975 = 1.959963984540054;

/** One coefficient as reported: its hazard ratio and a 95% Wald interval. */
export interface CoefficientRow {
  name: string;
  coef: number;
  se: number;
  hazard_ratio: number;
  ci_low: number;
  ci_high: number;
}

export function coefficientTable(names: readonly string[], fit: Pick<CoxFit, 'coefficients' | 'standardErrors'>): CoefficientRow[] {
  return names.map((name, j) => {
    const coef = fit.coefficients[j]!;
    const se = fit.standardErrors[j]!;
    return { name, coef, se, hazard_ratio: Math.exp(coef), ci_low: Math.exp(coef - Z_975 * se), ci_high: Math.exp(coef + Z_975 * se) };
  });
}
