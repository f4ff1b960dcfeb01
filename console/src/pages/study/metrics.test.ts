import { describe, expect, it } from '@jest/globals';
import type { StudyView } from '../../../../coordinator/studies/studies.service.js';
import { siteSeries, subgroupSeries, taskMetric } from './metrics.js';

type Round = StudyView['roundHistory'][number];

const site = (clinic: string, accuracy: number, cIndex: number | null = null) => ({
  clinic,
  site: clinic.toUpperCase(),
  numTest: 10,
  accuracy,
  cIndex,
  loss: 0,
  rmse: null,
});
const round = (number: number, metrics: ReturnType<typeof site>[], extra: Partial<Round> = {}): Round =>
  ({ number, metrics, pooledAccuracy: 0.5, pooledCIndex: 0.6, pooledRmse: null, subgroups: [], ...extra }) as unknown as Round;

describe('the study page metric curves', () => {
  it('draws one line per site over the evaluated rounds, and the pooled value dashed', () => {
    const rounds = [round(1, [site('a', 0.6), site('b', 0.7)]), round(2, []), round(3, [site('a', 0.8)])];
    expect(siteSeries(rounds, taskMetric('binary'))).toEqual([
      {
        label: 'a (A)',
        points: [
          { x: 1, y: 0.6 },
          { x: 3, y: 0.8 },
        ],
      },
      { label: 'b (B)', points: [{ x: 1, y: 0.7 }] },
      {
        label: 'all sites pooled',
        points: [
          { x: 1, y: 0.5 },
          { x: 3, y: 0.5 },
        ],
        dashed: true,
      },
    ]);
  });

  it('scores survival studies by C-index, and draws nothing before an evaluation', () => {
    const metric = taskMetric('survival');
    expect(metric.label).toContain('C-index');
    expect(siteSeries([round(1, [site('a', 0, 0.71)])], metric)[0]!.points).toEqual([{ x: 1, y: 0.71 }]);
    expect(siteSeries([round(1, [])], metric)).toEqual([]);
  });

  it('draws each subgroup level by the task metric', () => {
    const level = (subgroup: string, value: string, accuracy: number, cIndex: number) => ({
      subgroup,
      level: value,
      numTest: 5,
      sites: [],
      accuracy,
      calibration: null,
      cIndex,
    });
    const rounds = [round(1, [], { subgroups: [level('sex', 'female', 0.7, 0.6), level('sex', 'male', 0.8, 0.65)] } as Partial<Round>)];
    expect(subgroupSeries(rounds, 'binary').map((s) => [s.label, s.points[0]!.y])).toEqual([
      ['sex=female', 0.7],
      ['sex=male', 0.8],
    ]);
    expect(subgroupSeries(rounds, 'survival')[0]!.points[0]!.y).toBe(0.6);
  });
});
