import { describe, expect, it } from '@jest/globals';
import { coefficientLines } from './report.js';

describe("a Cox fit's coefficient table", () => {
  it('gives each covariate its estimate, standard error, hazard ratio and interval, aligned', () => {
    const lines = coefficientLines([
      { name: 'tment', coef: -0.6048062, se: 0.2296043, hazard_ratio: 0.5461802, ci_low: 0.3482543, ci_high: 0.856595 },
      { name: 'log2bili', coef: 0.6895628, se: 0.0874627, hazard_ratio: 1.9928441, ci_low: 1.6789004, ci_high: 2.3654931 },
    ]);
    expect(lines).toEqual([
      'covariate       coef        se  hazard ratio            95% CI',
      '---------  ---------  --------  ------------  ----------------',
      'tment      -0.604806  0.229604        0.5462  0.3483 to 0.8566',
      'log2bili    0.689563  0.087463        1.9928  1.6789 to 2.3655',
    ]);
  });
});
