import { baselineBlockLength, newtonVectorLength } from '../common/model-spec.js';
import { cholesky, choleskyInverse } from './linear-algebra.js';
import type { CoxStatistics } from './partial-likelihood.js';

/*
 * The model vector of a federated Newton-Raphson study, so that it travels and is stored like any
 * model: `[β (p) | statistics at the previous β, divided by the total weight: gradient (p),
 * information's upper triangle (p(p+1)/2), log likelihood, events | total weight]`. Clinics answer
 * with their own statistics over their own weight in the middle part; a weighted mean of those is
 * the sum over clinics over the total weight, which keeps every value near 1 for float32 and the
 * fixed-point encoding of secure aggregation. Its length is common/model-spec.ts's newtonVectorLength.
 * A study with a time grid appends a baseline block (survival/baseline-layout.ts) whose last value
 * is minus its grid's length, which tells the two layouts apart: the plain one ends with a weight ≥ 0.
 */
export { newtonVectorLength };

/** Where the statistics start and how many values they take. */
export function statisticsSlice(covariates: number): { start: number; length: number } {
  return { start: covariates, length: covariates + (covariates * (covariates + 1)) / 2 + 2 };
}

/** p from the vector's length, or an error when no p gives it. */
export function covariatesOf(length: number): number {
  for (let p = 1; newtonVectorLength(p) <= length; p++) if (newtonVectorLength(p) === length) return p;
  throw new Error(`a Newton-Raphson model vector of ${length} values matches no number of covariates`);
}

/** The statistics divided by `weight`, packed (gradient, information's upper triangle, log likelihood, events). */
export function packStatistics(stats: CoxStatistics, weight: number): Float64Array {
  const p = stats.gradient.length;
  const packed = new Float64Array(statisticsSlice(p).length);
  let k = 0;
  for (let j = 0; j < p; j++) packed[k++] = stats.gradient[j]! / weight;
  for (let i = 0; i < p; i++) for (let j = i; j < p; j++) packed[k++] = stats.information[i * p + j]! / weight;
  packed[k++] = stats.logLikelihood / weight;
  packed[k] = stats.events / weight;
  return packed;
}

/** Packed statistics times `weight`, unpacked. */
export function unpackStatistics(packed: ArrayLike<number>, covariates: number, weight: number): CoxStatistics {
  const p = covariates;
  const gradient = new Float64Array(p);
  const information = new Float64Array(p * p);
  let k = 0;
  for (let j = 0; j < p; j++) gradient[j] = packed[k++]! * weight;
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      information[i * p + j] = packed[k++]! * weight;
      information[j * p + i] = information[i * p + j]!;
    }
  }
  const logLikelihood = packed[k++]! * weight;
  return { gradient, information, logLikelihood, events: Math.round(packed[k]! * weight) };
}

/** What a Newton-Raphson model vector holds: the coefficients, and the statistics of the last evaluation. */
export interface NewtonModel {
  coefficients: Float64Array;
  /** Statistics (sums over clinics) at the β before this one; null before the first round. */
  statistics: CoxStatistics | null;
  totalWeight: number;
}

export function readNewtonModel(vector: ArrayLike<number>): NewtonModel {
  const { covariates: p, coreLength } = newtonLayout(vector);
  const { start, length } = statisticsSlice(p);
  const totalWeight = vector[coreLength - 1]!;
  const packed = Array.from({ length }, (_, k) => vector[start + k]!);
  return {
    coefficients: Float64Array.from({ length: p }, (_, j) => vector[j]!),
    statistics: totalWeight > 0 ? unpackStatistics(packed, p, totalWeight) : null,
    totalWeight,
  };
}

/** Where a cox-newton vector's parts are: p, the grid's length K (0: no baseline block), the core's length. */
export interface NewtonLayout {
  covariates: number;
  gridPoints: number;
  /** `[β | statistics | total weight]`: the baseline block, if any, starts here. */
  coreLength: number;
}

/** The layout of a cox-newton vector, from its length and its last value. */
export function newtonLayout(vector: ArrayLike<number>): NewtonLayout {
  const { length } = vector;
  const last = vector[length - 1]!;
  if (!(last < 0)) {
    const covariates = covariatesOf(length);
    return { covariates, gridPoints: 0, coreLength: length };
  }
  const gridPoints = -last;
  if (!Number.isInteger(gridPoints)) throw new Error(`a Newton-Raphson model vector ends with ${last}: not minus a time grid's length`);
  for (let p = 1; newtonVectorLength(p) + baselineBlockLength(p, gridPoints) <= length; p++) {
    if (newtonVectorLength(p) + baselineBlockLength(p, gridPoints) === length) return { covariates: p, gridPoints, coreLength: newtonVectorLength(p) };
  }
  throw new Error(`a Newton-Raphson model vector of ${length} values with a baseline block over ${gridPoints} grid times matches no number of covariates`);
}

/** The coefficients' covariance (the inverse of the model's last information), or null when it has none or it is singular. */
export function covarianceOf(model: NewtonModel): Float64Array | null {
  const p = model.coefficients.length;
  const factor = model.statistics && cholesky(model.statistics.information, p);
  return factor && choleskyInverse(factor, p);
}

/** Standard errors from the model's last information matrix, or null when it has none or it is singular. */
export function standardErrorsOf(model: NewtonModel): Float64Array | null {
  const p = model.coefficients.length;
  const covariance = covarianceOf(model);
  return covariance && Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j]!));
}
