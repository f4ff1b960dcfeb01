import type { SurvivalRecords } from './partial-likelihood.js';

/** Survival records from rows of `[time, event, ...covariates]`, for tests. */
export function records(rows: [time: number, event: number, ...x: number[]][]): SurvivalRecords {
  return {
    x: Float64Array.from(rows.flatMap(([, , ...x]) => x)),
    time: Float64Array.from(rows, (r) => r[0]),
    event: Uint8Array.from(rows, (r) => r[1]),
    count: rows.length,
    covariates: rows[0]!.length - 2,
  };
}
