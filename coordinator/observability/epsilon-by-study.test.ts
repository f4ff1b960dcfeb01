import { describe, expect, it } from '@jest/globals';
import { epsilonByStudy } from './epsilon-by-study.js';

const entry = (clinicId: string, studyId: string, kind: string, epsilon: number) => ({ clinicId, studyId, kind, body: JSON.stringify({ epsilon }) });

describe('epsilonByStudy', () => {
  it("charges each study the rise of the clinic's total over its spends, refusals nothing", () => {
    const rows = [
      entry('a', 's1', 'spend', 0.2),
      entry('a', 's2', 'spend', 0.5),
      entry('a', 's1', 'spend', 0.6),
      entry('a', 's1', 'refusal', 0.6),
      entry('b', 's1', 'spend', 0.1),
    ];
    const byKey = Object.fromEntries(epsilonByStudy(rows).map((r) => [`${r.clinicId}/${r.studyId}`, Number(r.epsilon.toFixed(10))]));
    expect(byKey).toEqual({ 'a/s1': 0.3, 'a/s2': 0.3, 'b/s1': 0.1 });
  });

  it('is empty without spends', () => {
    expect(epsilonByStudy([entry('a', 's1', 'refusal', 0)])).toEqual([]);
  });
});
