import { describe, expect, it } from '@jest/globals';
import { datasetDescriptor } from '../../common/datasets.js';
import { parseStudySchema, schemaDatasetId, schemaDescriptor } from '../../common/schema/index.js';
import { initialParameters, modelSpec } from '../../common/model-spec.js';
import { NEWTON_RAPHSON } from '../../strategies/newton-raphson.js';
import { answerBaselineBlock, coxStatistics, packStatistics, readNewtonModel, statisticsSlice, type SurvivalRecords } from '../../survival/index.js';
import { records } from '../../survival/test-fixtures.js';
import { coxBaselineJson, riskModelFromJson } from './cox-baseline.js';

// Three covariates, as pbc3's: treatment, albumin, log2 bilirubin.
const SITE = records([
  [100, 1, 0, 40, 4],
  [300, 1, 1, 35, 6],
  [400, 0, 0, 42, 3],
  [500, 1, 1, 30, 7],
  [800, 0, 1, 38, 4],
  [900, 1, 0, 33, 5],
  [1200, 0, 1, 41, 3],
  [1500, 1, 0, 36, 6],
]);

/** A model after two rounds of one clinic: statistics and grid sums at round 1's β. */
function trained(site: SurvivalRecords): Float32Array {
  const strategy = NEWTON_RAPHSON.create(NEWTON_RAPHSON.defaults);
  let global = initialParameters(modelSpec('cox-newton', 3, [], 1, [365, 730, 1095, 1460, 1825]), 1);
  for (let round = 0; round < 2; round++) {
    const local = Float32Array.from(global);
    local.set(packStatistics(coxStatistics(site, readNewtonModel(global).coefficients), site.count), statisticsSlice(3).start);
    answerBaselineBlock(local, site);
    global = strategy.aggregate([{ clinicId: 'a', numSamples: site.count, delta: local.map((v, i) => v - global[i]!) }], global, null).parameters;
  }
  return global;
}

describe("the export's baseline hazard", () => {
  it('names the treatment, reads back as written, and has no baseline before a round', () => {
    const json = coxBaselineJson(trained(SITE), datasetDescriptor('pbc3'))!;
    expect(json['treatment']).toEqual({ feature: 'tment', index: 0, control: { code: 0, name: 'placebo' }, treated: { code: 1, name: 'cyclosporin A' } });
    const baseline = json['baselineHazard'] as Record<string, unknown>;
    expect(baseline).toMatchObject({
      format: 'cohort-breslow-grid/1',
      timeUnit: 'days',
      defaultHorizon: 5 * 365.25 - 1.25,
      time: [365, 730, 1095, 1460, 1825],
    });
    expect(baseline['events']).toEqual([2, 1, 1, 0, 1]);
    const { model, defaultHorizon } = riskModelFromJson(JSON.parse(JSON.stringify(baseline)), 3, 'model.json');
    expect(defaultHorizon).toBe(1825);
    expect(Array.from(model.baseline.hazard)).toEqual(baseline['cumulativeHazard']);
    expect(coxBaselineJson(initialParameters(modelSpec('cox-newton', 3, [], 1, [365]), 1), datasetDescriptor('pbc3'))).toBeNull();
    expect(coxBaselineJson(initialParameters(modelSpec('cox-newton', 3), 1), datasetDescriptor('pbc3'))).toBeNull();
  });

  it("names a study schema's treatment column: the last encoded one", () => {
    const schema = parseStudySchema({
      task: 'survival',
      features: [
        { name: 'alb', type: 'number' },
        { name: 'bili', type: 'number' },
      ],
      target: { time: 'days', event: 'status' },
      treatment: { column: 'arm', levels: ['placebo', 'drug'] },
    });
    const descriptor = schemaDescriptor(schemaDatasetId('trial', schema), schema, 'site');
    expect(descriptor.features).toEqual(['alb', 'bili', 'treatment']);
    expect(coxBaselineJson(trained(SITE), descriptor)!['treatment']).toEqual({
      feature: 'treatment',
      index: 2,
      control: { code: 0, name: 'placebo' },
      treated: { code: 1, name: 'drug' },
    });
  });

  it('refuses a baseline that is not whole, naming the field', () => {
    const baseline = coxBaselineJson(trained(SITE), datasetDescriptor('pbc3'))!['baselineHazard'] as Record<string, unknown>;
    const broken = (change: Record<string, unknown>) => () => riskModelFromJson({ ...baseline, ...change }, 3, 'model.json');
    expect(broken({ format: 'cohort-breslow-grid/9' })).toThrow('model.json: baselineHazard.format is "cohort-breslow-grid/9", not cohort-breslow-grid/1');
    expect(broken({ variance: [1, 2] })).toThrow('model.json: baselineHazard.variance must be 5 numbers');
    expect(broken({ slope: [[1, 2, 3]] })).toThrow('baselineHazard.slope must be 5 rows of 3 numbers');
    expect(
      broken({
        covariance: [
          [1, 2, 3],
          [1, 2],
          [1, 2, 3],
        ],
      }),
    ).toThrow('baselineHazard.covariance[1] must be 3 numbers');
    expect(broken({ time: [365, 300, 1095, 1460, 1825] })).toThrow('baselineHazard.time must increase from above 0');
    expect(() => riskModelFromJson(null, 3, 'model.json')).toThrow('model.json: baselineHazard.is not an object');
  });
});
