import { newtonVectorLength } from '../common/model-spec.js';
import { cholesky, choleskyInverse } from './linear-algebra.js';
import type { CoxStatistics } from './partial-likelihood.js';

/*
 * The model vector of a federated Newton-Raphson study, so that it travels and is stored like any
 * model: `[β (p) | statistics at the previous β, divided by the total weight: gradient (p),
 * information's upper triangle (p(p+1)/2), log likelihood, events | total weight]`. Clinics answer
 * with their own statistics over their own weight in the middle part; a weighted mean of those is
 * the sum over clinics over the total weight, which keeps every value near 1 for float32 and the
 * fixed-point encoding of secure aggregation. Its length is common/model-spec.ts's newtonVectorLength.
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
  const p = covariatesOf(vector.length);
  const { start, length } = statisticsSlice(p);
  const totalWeight = vector[vector.length - 1]!;
  const packed = Array.from({ length }, (_, k) => vector[start + k]!);
  return {
    coefficients: Float64Array.from({ length: p }, (_, j) => vector[j]!),
    statistics: totalWeight > 0 ? unpackStatistics(packed, p, totalWeight) : null,
    totalWeight,
  };
}

/** Standard errors from the model's last information matrix, or null when it has none or it is singular. */
export function standardErrorsOf(model: NewtonModel): Float64Array | null {
  const p = model.coefficients.length;
  const factor = model.statistics && cholesky(model.statistics.information, p);
  if (!factor) return null;
  const covariance = choleskyInverse(factor, p);
  return Float64Array.from({ length: p }, (_, j) => Math.sqrt(covariance[j * p + j]!));
}
