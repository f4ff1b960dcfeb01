import { datasetDescriptor } from '../common/datasets.js';
import type { ModelSpec } from '../common/model-spec.js';
import { coefficientTable, readNewtonModel, standardErrorsOf, type CoefficientRow } from '../survival/index.js';

/** What a Newton-Raphson study's report adds: each coefficient with its hazard ratio and 95% interval. */
export interface CoxFigures {
  coefficients: CoefficientRow[];
  /** The stratified partial log likelihood at the last β the clinics evaluated. */
  log_likelihood: number;
}

/**
 * The coefficient table of a cox-newton model vector: β, and standard errors from the information
 * summed in the last round (at the β before, equal to it once converged). Null for other models.
 */
export function coxFigures(dataset: string, spec: ModelSpec, parameters: Float32Array | undefined): CoxFigures | null {
  if (spec.architecture !== 'cox-newton' || !parameters) return null;
  const model = readNewtonModel(parameters);
  const standardErrors = standardErrorsOf(model);
  if (!standardErrors || !model.statistics) throw new Error('the final model carries no information matrix to give standard errors: did every round run?');
  const names = datasetDescriptor(dataset).features;
  return { coefficients: coefficientTable(names, { coefficients: model.coefficients, standardErrors }), log_likelihood: model.statistics.logLikelihood };
}
