import { describe, expect, it } from '@jest/globals';
import { parseStudySchema } from '../../common/schema/index.js';
import { subgroupViews } from '../studies/subgroup-view.js';
import { subgroupFacts, type SubgroupEvaluation } from './subgroup-facts.js';

const schema = parseStudySchema({
  task: 'binary',
  features: [{ name: 'age', type: 'number' }],
  target: { column: 'died' },
  subgroups: [
    { name: 'sex', levels: ['female', 'male'] },
    { name: 'band', levels: ['young', 'old'] },
  ],
});
const NONE = { predictedPositive: 0, observedPositive: 0, concordantPairs: 0, discordantPairs: 0, tiedRiskPairs: 0 };
const level = (subgroup: string, name: string, numTest: number, numCorrect: number, more: Partial<SubgroupEvaluation> = {}): SubgroupEvaluation => ({
  subgroup,
  level: name,
  numTest,
  numCorrect,
  ...NONE,
  ...more,
});
const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('subgroup counts in an evaluation', () => {
  it('are kept sorted when every level is declared, large enough and consistent', () => {
    const facts = subgroupFacts([level('sex', 'male', 12, 9), level('band', 'old', 10, 5), level('sex', 'female', 20, 15)], schema, 40, 'binary');
    expect(facts.map((f) => `${f.subgroup}=${f.level}`)).toEqual(['band=old', 'sex=female', 'sex=male']);
    expect(subgroupFacts([], null, 40, 'binary')).toEqual([]);
  });

  it('are refused naming what is wrong', () => {
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 9)], null, 40, 'binary'))).toMatch(/names no subgroups/);
    expect(message(() => subgroupFacts([level('race', 'x', 12, 9)], schema, 40, 'binary'))).toMatch(/"race" is not one of the study's \(sex, band\)/);
    expect(message(() => subgroupFacts([level('sex', 'other', 12, 9)], schema, 40, 'binary'))).toMatch(/"other" is not a level of subgroup sex/);
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 9), level('sex', 'male', 12, 9)], schema, 40, 'binary'))).toMatch(/reported twice/);
    expect(message(() => subgroupFacts([level('sex', 'male', 9, 9)], schema, 40, 'binary'))).toBe(
      'subgroup sex=male has 9 test records: the study reports no subgroup smaller than 10',
    );
    expect(message(() => subgroupFacts([level('sex', 'male', 30, 9), level('sex', 'female', 20, 9)], schema, 40, 'binary'))).toMatch(
      /levels of subgroup sex hold more than the 40 test records/,
    );
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 13)], schema, 40, 'binary'))).toMatch(/counts are inconsistent/);
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 3, { predictedPositive: 12.5 })], schema, 40, 'binary'))).toMatch(/counts are inconsistent/);
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 3, { concordantPairs: 1 })], schema, 40, 'binary'))).toMatch(/carry no concordance pairs/);
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 3)], schema, 40, 'survival'))).toMatch(/scored by Harrell's C/);
    expect(message(() => subgroupFacts([level('sex', 'male', 12, 0, { concordantPairs: 67 })], schema, 40, 'survival'))).toMatch(/at most 66 pairs/);
  });
});

describe('subgroup views over the sites', () => {
  it('pool each level over the sites that reported it and name the largest gap', () => {
    const { subgroups, largestGap } = subgroupViews(
      [
        { clinic: 'a', subgroups: [level('sex', 'female', 10, 8, { predictedPositive: 4, observedPositive: 5 }), level('sex', 'male', 10, 5)] },
        { clinic: 'b', subgroups: [level('sex', 'female', 30, 24, { predictedPositive: 12, observedPositive: 10 }), level('band', 'old', 20, 10)] },
      ],
      'binary',
    );
    const female = subgroups.find((s) => s.level === 'female')!;
    expect([female.numTest, female.accuracy, female.calibration, female.sites.length]).toEqual([40, 0.8, 16 / 15, 2]);
    expect(subgroups.find((s) => s.level === 'male')!.calibration).toBeNull();
    // sex: 0.8 against 0.5; band has one level only.
    expect(largestGap).toEqual({
      subgroup: 'sex',
      metric: 'accuracy',
      highest: { level: 'female', value: 0.8 },
      lowest: { level: 'male', value: 0.5 },
      gap: 0.8 - 0.5,
    });
    expect(subgroupViews([], 'binary')).toEqual({ subgroups: [], largestGap: null });
  });

  it('score survival levels by the C-index of their pooled pairs', () => {
    const pairs = (c: number, d: number) => ({ concordantPairs: c, discordantPairs: d, tiedRiskPairs: 0 });
    const { subgroups, largestGap } = subgroupViews(
      [
        { clinic: 'a', subgroups: [level('sex', 'female', 10, 0, pairs(30, 10)), level('sex', 'male', 10, 0, pairs(5, 5))] },
        { clinic: 'b', subgroups: [level('sex', 'female', 10, 0, pairs(10, 10))] },
      ],
      'survival',
    );
    expect(subgroups.map((s) => s.cIndex)).toEqual([40 / 60, 0.5]);
    expect(largestGap!.gap).toBeCloseTo(40 / 60 - 0.5, 12);
    expect(largestGap!.metric).toBe('c_index');
  });
});
