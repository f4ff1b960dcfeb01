import { combineBaselineBlock, newtonLayout, newtonStep, readNewtonModel, statisticsSlice, unpackStatistics } from '../survival/index.js';
import { EveryClinicTrains, weightedMeanDelta } from './aggregate.js';
import { defineStrategy } from './definition.js';
import { NON_NEGATIVE } from './settings.js';
import type { AggregateResult, FitResult, StrategyState } from './strategy.js';

/**
 * Federated Newton-Raphson for a Cox model stratified by clinic (model `cox-newton`): each round
 * every clinic sends the gradient and information of its own partial likelihood at the current β
 * (survival/newton-layout.ts), the sums give the stratified likelihood's, and β takes a Newton
 * step; a step that lowered the likelihood is halved instead, as R's coxph does. A baseline block
 * (survival/baseline-layout.ts) becomes the clinics' weighted mean, like the statistics. The updates
 * are combined only as their weighted mean, so it runs under secure aggregation too.
 */
export class NewtonRaphson extends EveryClinicTrains {
  readonly name: string = 'newton-raphson';
  readonly needsIndividualUpdates: boolean = false;

  constructor(private readonly tolerance: number) {
    super();
  }

  aggregate(results: Iterable<FitResult>, global: Float32Array, state: StrategyState | null): AggregateResult {
    const updates = [...results];
    const totalWeight = updates.reduce((sum, update) => sum + update.numSamples, 0);
    const mean = weightedMeanDelta(updates, global.length);
    const { covariates: p, coreLength } = newtonLayout(global);
    const { start, length } = statisticsSlice(p);
    // The clinics' statistics over their weights, averaged: the sums over the total weight.
    const packed = Float64Array.from({ length }, (_, k) => global[start + k]! + mean[start + k]!);
    const stats = unpackStatistics(packed, p, totalWeight);
    const beta = readNewtonModel(global).coefficients;
    const best = state?.['best'];
    const bestLogLikelihood = state?.['bestLogLikelihood']?.[0];
    // Float32 storage rounds the log likelihood: only a drop beyond that rounding counts as one.
    const lower =
      best !== undefined && bestLogLikelihood !== undefined && stats.logLikelihood < bestLogLikelihood - this.tolerance * Math.abs(bestLogLikelihood);
    const next = lower ? beta.map((b, j) => (b + best[j]!) / 2) : newtonStep(beta, stats);
    const parameters = new Float32Array(global.length);
    parameters.set(next, 0);
    parameters.set(packed, start);
    parameters[coreLength - 1] = totalWeight;
    combineBaselineBlock(parameters, global, mean);
    const kept = lower
      ? { best, bestLogLikelihood: Float32Array.of(bestLogLikelihood) }
      : { best: Float32Array.from(beta), bestLogLikelihood: Float32Array.of(stats.logLikelihood) };
    return { parameters, state: kept };
  }

  /** Under CKKS the clinics take the step from the decrypted mean and the total weight it carries. */
  serverStep(global: Float32Array, meanDelta: Float32Array, state: StrategyState | null, totalWeight?: number): AggregateResult {
    if (!(totalWeight !== undefined && totalWeight > 0))
      throw new Error(
        "newton-raphson turns the round's mean statistics into sums with the round's total weight, which a step from the mean alone does not have",
      );
    return this.aggregate([{ clinicId: 'sum of the round', numSamples: totalWeight, delta: meanDelta }], global, state);
  }
}

export const NEWTON_RAPHSON = defineStrategy({
  name: 'newton-raphson',
  summary:
    "Newton-Raphson, federated, for a Cox model stratified by clinic (model cox-newton): the clinics' partial-likelihood gradients and information summed, then a Newton step",
  settings: {
    tolerance: {
      summary: 'relative drop of the log likelihood below which a step is not halved (float32 rounds the stored likelihood)',
      default: 1e-6,
      range: NON_NEGATIVE,
    },
  },
  create: ({ tolerance }) => new NewtonRaphson(tolerance),
});
