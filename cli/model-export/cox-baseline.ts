import type { DatasetDescriptor } from '../../common/datasets.js';
import { covarianceOf, gridBaseline, readBaselineBlock, readNewtonModel, type BaselineHazard, type RiskModel } from '../../survival/index.js';

/** The version of the baseline hazard's JSON inside `cohort-cox/1`. */
export const BASELINE_FORMAT = 'cohort-breslow-grid/1';

/** A treatment column as the export names it: the feature, its index, and the arms' codes and names. */
export interface TreatmentJson {
  feature: string;
  index: number;
  control: { code: 0; name: string };
  treated: { code: 1; name: string };
}

/**
 * What a cox-newton export adds when its study has a time grid and a round has run: the federated
 * Breslow baseline (survival/baseline-hazard.ts, gridBaseline) with what absolute risks and their
 * intervals need, and the dataset's treatment column. Null when there is no baseline yet.
 */
export function coxBaselineJson(parameters: Float32Array, descriptor: DatasetDescriptor): Record<string, unknown> | null {
  const block = readBaselineBlock(parameters);
  const covariance = covarianceOf(readNewtonModel(parameters));
  if (!block?.sums || !covariance) return null;
  const baseline = gridBaseline(block.grid, block.centre, block.sums);
  const p = block.centre.length;
  const last = block.grid[block.grid.length - 1]!;
  const horizon = descriptor.defaults?.horizon;
  const treatment = descriptor.treatment && descriptor.features.indexOf(descriptor.treatment.feature);
  return {
    baselineHazard: {
      format: BASELINE_FORMAT,
      estimator:
        "Breslow's, with every clinic's patients in the risk sets (one baseline for the consortium, at the coefficients of the stratified fit), on the study's time grid: events counted at the end of their grid interval, censored patients at risk until its start",
      timeUnit: descriptor.timeUnit ?? null,
      defaultHorizon: horizon !== undefined && horizon <= last ? horizon : last,
      coefficients: Array.from(block.coefficients),
      covariance: Array.from({ length: p }, (_, i) => Array.from(covariance.subarray(i * p, (i + 1) * p))),
      centre: Array.from(block.centre),
      time: block.grid,
      events: Array.from(block.sums.events),
      cumulativeHazard: Array.from(baseline.hazard),
      variance: Array.from(baseline.variance),
      slope: Array.from(baseline.time, (_, k) => Array.from(baseline.slope.subarray(k * p, (k + 1) * p))),
    },
    ...(treatment !== undefined &&
      treatment >= 0 && {
        treatment: {
          feature: descriptor.treatment!.feature,
          index: treatment,
          control: { code: 0, name: descriptor.treatment!.levels[0] },
          treated: { code: 1, name: descriptor.treatment!.levels[1] },
        } satisfies TreatmentJson,
      }),
  };
}

/** An exported baseline as survival/absolute-risk.ts takes it, with its default horizon; every problem named. */
export function riskModelFromJson(json: unknown, covariates: number, where: string): { model: RiskModel; defaultHorizon: number; timeUnit: string | null } {
  const fail = (what: string): never => {
    throw new Error(`${where}: baselineHazard.${what}`);
  };
  if (typeof json !== 'object' || json === null) return fail('is not an object');
  const b = json as Record<string, unknown>;
  if (b['format'] !== BASELINE_FORMAT) fail(`format is ${JSON.stringify(b['format'])}, not ${BASELINE_FORMAT}`);
  const numbers = (key: string, length: number): number[] => {
    const v = b[key];
    if (!Array.isArray(v) || v.length !== length || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
      return fail(`${key} must be ${length} numbers`);
    return v as number[];
  };
  const rows = (key: string, count: number): number[] => {
    const v = b[key];
    if (!Array.isArray(v) || v.length !== count) return fail(`${key} must be ${count} rows of ${covariates} numbers`);
    return v.flatMap((row, i) => {
      if (!Array.isArray(row) || row.length !== covariates || !row.every((x) => typeof x === 'number' && Number.isFinite(x)))
        fail(`${key}[${i}] must be ${covariates} numbers`);
      return row as number[];
    });
  };
  const time = b['time'];
  if (!Array.isArray(time) || time.length === 0) return fail('time must be a non-empty list of times');
  const K = time.length;
  const baseline: BaselineHazard = {
    time: Float64Array.from(numbers('time', K)),
    centre: Float64Array.from(numbers('centre', covariates)),
    hazard: Float64Array.from(numbers('cumulativeHazard', K)),
    variance: Float64Array.from(numbers('variance', K)),
    slope: Float64Array.from(rows('slope', K)),
  };
  if (!baseline.time.every((t, k) => t > 0 && (k === 0 || t > baseline.time[k - 1]!))) fail('time must increase from above 0');
  const defaultHorizon = b['defaultHorizon'];
  if (typeof defaultHorizon !== 'number' || !Number.isFinite(defaultHorizon)) fail('defaultHorizon must be a number');
  const timeUnit = typeof b['timeUnit'] === 'string' ? b['timeUnit'] : null;
  return {
    model: { coefficients: numbers('coefficients', covariates), covariance: rows('covariance', covariates), baseline },
    defaultHorizon: defaultHorizon as number,
    timeUnit,
  };
}
