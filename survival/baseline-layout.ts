import { covariateMeans, gridSums, type GridSums } from './baseline-hazard.js';
import { newtonLayout } from './newton-layout.js';
import type { SurvivalRecords } from './partial-likelihood.js';

/*
 * The baseline block of a cox-newton model vector, after `[β | statistics | total weight]` when the
 * study has a time grid of K times (common/model-spec.ts's baselineBlockLength):
 *
 *   [grid (K) | covariate means (p) | centre (p) | coefficients (p) | events (K) | Σ w (K) | Σ (x - centre) w (K x p) | -K]
 *
 * The grid and -K are fixed when the study starts and travel unchanged (every update's difference
 * there is 0). Each round a clinic answers with its own covariate means, the centre and coefficients
 * it took its grid sums at (the model's means and β: every clinic the same) and its grid sums, each
 * divided by its record count: the weighted mean of the answers is then the consortium's means and
 * sums over the total weight, as for the Newton statistics. The sums are at the β the round evaluated,
 * the same as the statistics beside them (the β before the vector's own).
 */

/** Where each part of the block starts, for p covariates and K grid times, from the block's start. */
function parts(p: number, K: number, start: number) {
  const grid = start;
  const means = grid + K;
  const centre = means + p;
  const coefficients = centre + p;
  const events = coefficients + p;
  const atRisk = events + K;
  const atRiskX = atRisk + K;
  return { grid, means, centre, coefficients, events, atRisk, atRiskX, end: atRiskX + K * p };
}

/** The consortium's baseline sums as a model vector carries them. */
export interface BaselineBlock {
  grid: number[];
  /** The consortium's covariate means (from this round's answers): the next round's centre. */
  means: Float64Array;
  /** The centre and coefficients the sums were taken at. */
  centre: Float64Array;
  coefficients: Float64Array;
  /** The sums over every clinic (events rounded to whole numbers); null before any round. */
  sums: GridSums | null;
  totalWeight: number;
}

/** The vector's baseline block, or null when its study has no time grid. */
export function readBaselineBlock(vector: ArrayLike<number>): BaselineBlock | null {
  const { covariates: p, gridPoints: K, coreLength } = newtonLayout(vector);
  if (K === 0) return null;
  const at = parts(p, K, coreLength);
  const slice = (from: number, length: number) => Float64Array.from({ length }, (_, k) => vector[from + k]!);
  const totalWeight = vector[coreLength - 1]!;
  const sums =
    totalWeight > 0
      ? {
          events: slice(at.events, K).map((v) => Math.round(v * totalWeight)),
          atRisk: slice(at.atRisk, K).map((v) => v * totalWeight),
          atRiskX: slice(at.atRiskX, K * p).map((v) => v * totalWeight),
        }
      : null;
  return {
    grid: Array.from(slice(at.grid, K)),
    means: slice(at.means, p),
    centre: slice(at.centre, p),
    coefficients: slice(at.coefficients, p),
    sums,
    totalWeight,
  };
}

/**
 * A clinic's answer in the block of `answer` (a copy of the model it was sent): its means, and its
 * grid sums at the model's β centred on the model's means, over its record count. No block: unchanged.
 */
export function answerBaselineBlock(answer: Float32Array, records: SurvivalRecords): void {
  const { covariates: p, gridPoints: K, coreLength } = newtonLayout(answer);
  if (K === 0) return;
  const at = parts(p, K, coreLength);
  const grid = Array.from(answer.subarray(at.grid, at.grid + K));
  const beta = answer.slice(0, p);
  const centre = answer.slice(at.means, at.means + p);
  const sums = gridSums(records, beta, grid, centre);
  const n = records.count;
  answer.set(covariateMeans(records), at.means);
  answer.set(centre, at.centre);
  answer.set(beta, at.coefficients);
  answer.set(
    sums.events.map((v) => v / n),
    at.events,
  );
  answer.set(
    sums.atRisk.map((v) => v / n),
    at.atRisk,
  );
  answer.set(
    sums.atRiskX.map((v) => v / n),
    at.atRiskX,
  );
}

/**
 * The next model's block: the model's plus the answers' mean difference (so the answers' weighted
 * mean), with the grid and the length marker kept as the model had them.
 */
export function combineBaselineBlock(next: Float32Array, global: Float32Array, meanDelta: ArrayLike<number>): void {
  const { covariates: p, gridPoints: K, coreLength } = newtonLayout(global);
  if (K === 0) return;
  const at = parts(p, K, coreLength);
  for (let k = at.grid + K; k < at.end; k++) next[k] = global[k]! + meanDelta[k]!;
  next.set(global.subarray(at.grid, at.grid + K), at.grid);
  next[at.end] = global[at.end]!;
}
