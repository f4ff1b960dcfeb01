/**
 * Survival models on a clinic's own records: the Cox partial likelihood (Efron or Breslow ties)
 * with its gradient and information, Newton-Raphson fitting, Harrell's concordance, Breslow's
 * baseline hazard (per stratum, or on a time grid from sums that add across clinics) and absolute risks. Pure: a
 * stratified fit is a sum of per-stratum statistics, which is what lets clinics fit one model by
 * exchanging only sums.
 *
 * @example
 * const fit = await fitCox(3, (beta) => sites.map((s) => coxStatistics(s, beta)).reduce(addStatistics));
 * coefficientTable(['tment', 'alb', 'log2bili'], fit); // [{ name: 'tment', coef: -0.6048, hazard_ratio: 0.546, ... }, ...]
 */
export { absoluteRisk, horizonIndex, risksByArm, type ArmRisks, type RiskEstimate, type RiskModel } from './absolute-risk.js';
export { addGridSums, breslowHazard, covariateMeans, gridBaseline, gridSums, recentre, type BaselineHazard, type GridSums } from './baseline-hazard.js';
export { answerBaselineBlock, combineBaselineBlock, readBaselineBlock, type BaselineBlock } from './baseline-layout.js';
export { concordanceCounts, addConcordance, concordanceIndex, concordanceIndexOrNull, pairCountsPossible, type ConcordanceCounts } from './concordance.js';
export { cholesky, choleskyInverse, choleskySolve } from './linear-algebra.js';
export { coefficientTable, CoxFitError, fitCox, newtonStep, Z_975, type CoefficientRow, type CoxFit, type NewtonOptions } from './newton-raphson.js';
export { addStatistics, coxStatistics, emptyStatistics, type CoxStatistics, type SurvivalRecords, type Ties } from './partial-likelihood.js';
export {
  covarianceOf,
  covariatesOf,
  newtonLayout,
  newtonVectorLength,
  packStatistics,
  readNewtonModel,
  standardErrorsOf,
  statisticsSlice,
  unpackStatistics,
  type NewtonLayout,
  type NewtonModel,
} from './newton-layout.js';
