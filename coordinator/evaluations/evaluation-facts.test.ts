import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import { checkSentToEvaluate, evaluationFacts, type SiteEvaluation } from './evaluation-facts.js';

const NO_PAIRS = { concordantPairs: 0, discordantPairs: 0, tiedRiskPairs: 0, cIndex: null, subgroups: null };
const REPORT: SiteEvaluation = { clinicId: 'clinic-a', studyId: 's', modelVersion: 2, numTest: 10, numCorrect: 7, accuracy: 0.7, loss: 0.6, ...NO_PAIRS };
// 30 concordant, 10 discordant, 4 tied of 45 possible pairs among 10 records: C = 32 / 44.
const SURVIVAL: SiteEvaluation = { ...REPORT, numCorrect: 0, accuracy: 0, concordantPairs: 30, discordantPairs: 10, tiedRiskPairs: 4, cIndex: 32 / 44 };
const refusalOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return { code: (error as { code: number }).code, message: (error as Error).message };
  }
  throw new Error('not refused');
};

describe('an evaluation report as the coordinator stores it', () => {
  it('computes the accuracy from the counts, taking a stated one within 1e-6 of it', () => {
    expect(evaluationFacts(REPORT, 10)).toEqual(REPORT);
    const third = { ...REPORT, numTest: 3, numCorrect: 1, accuracy: Math.fround(1 / 3) };
    expect(evaluationFacts(third, 10).accuracy).toBe(1 / 3);
    expect(evaluationFacts({ ...REPORT, accuracy: 0.7 + 0.9e-6 }, 10).accuracy).toBe(0.7);
  });

  it('refuses an accuracy the counts do not give', () => {
    for (const accuracy of [0.99999998, 0.7 + 2e-6, 4.3e-8, Number.NaN]) {
      expect(refusalOf(() => evaluationFacts({ ...REPORT, accuracy }, 10))).toEqual({
        code: status.INVALID_ARGUMENT,
        message: `evaluation accuracy ${accuracy} is not 7 correct of 10 (0.7)`,
      });
    }
  });

  it('refuses inconsistent counts and more test records than approved', () => {
    for (const [numCorrect, numTest] of [
      [11, 10],
      [1, 0],
      [-1, 10],
      [1.5, 10],
      [1, 2.5],
    ] as const) {
      expect(refusalOf(() => evaluationFacts({ ...REPORT, numCorrect, numTest }, 100)).message).toBe(
        `evaluation counts are inconsistent: ${numCorrect} correct of ${numTest}`,
      );
    }
    expect(refusalOf(() => evaluationFacts(REPORT, 9))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'clinic clinic-a reports 10 test records; the operator approved at most 9',
    });
    expect(evaluationFacts({ ...REPORT, numCorrect: 0, accuracy: 0 }, 10).accuracy).toBe(0);
    expect(evaluationFacts({ ...REPORT, numCorrect: 10, accuracy: 1 }, 10).accuracy).toBe(1);
  });

  it('refuses a loss that is not a finite number >= 0', () => {
    for (const loss of [-0.1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(refusalOf(() => evaluationFacts({ ...REPORT, loss }, 10)).message).toBe(`evaluation loss must be a finite number >= 0, got ${loss}`);
    }
    expect(evaluationFacts({ ...REPORT, loss: 0 }, 10).loss).toBe(0);
  });
});

describe("a survival model's evaluation", () => {
  it("computes Harrell's C from the pair counts, taking a stated one within 1e-6 of it", () => {
    expect(evaluationFacts(SURVIVAL, 10, 'survival')).toEqual(SURVIVAL);
    expect(evaluationFacts({ ...SURVIVAL, cIndex: 32 / 44 + 0.9e-6 }, 10, 'survival').cIndex).toBe(32 / 44);
    // No comparable pair (no event among the test records): no index, whatever 0 or NaN the clinic sent.
    for (const cIndex of [0, Number.NaN]) {
      expect(evaluationFacts({ ...SURVIVAL, concordantPairs: 0, discordantPairs: 0, tiedRiskPairs: 0, cIndex }, 10, 'survival').cIndex).toBeNull();
    }
  });

  it('refuses a C-index the counts do not give', () => {
    for (const cIndex of [0.99, 32 / 44 + 2e-6, Number.NaN, 0]) {
      expect(refusalOf(() => evaluationFacts({ ...SURVIVAL, cIndex }, 10, 'survival')).message).toBe(
        `evaluation C-index ${cIndex} is not 30 concordant, 10 discordant and 4 tied pairs (${32 / 44})`,
      );
    }
  });

  it('refuses more pairs than the test records make, or counts that are not whole', () => {
    expect(refusalOf(() => evaluationFacts({ ...SURVIVAL, concordantPairs: 32, cIndex: 34 / 46 }, 10, 'survival'))).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'concordance pairs are inconsistent: 32 concordant, 10 discordant and 4 tied among 10 test records (at most 45 pairs)',
    });
    expect(evaluationFacts({ ...SURVIVAL, concordantPairs: 31, cIndex: 33 / 45 }, 10, 'survival').cIndex).toBe(33 / 45);
    for (const concordantPairs of [-1, 2.5]) {
      expect(refusalOf(() => evaluationFacts({ ...SURVIVAL, concordantPairs }, 10, 'survival')).message).toMatch(/^concordance pairs are inconsistent/);
    }
  });

  it("keeps each task's counts apart", () => {
    expect(refusalOf(() => evaluationFacts({ ...SURVIVAL, numCorrect: 3, accuracy: 0.3 }, 10, 'survival')).message).toBe(
      "a survival study is scored by Harrell's C: its evaluations carry no correct count or accuracy",
    );
    expect(refusalOf(() => evaluationFacts({ ...REPORT, concordantPairs: 1 }, 10, 'binary')).message).toBe(
      'a classification study is scored by accuracy: its evaluations carry no concordance pairs or C-index',
    );
    expect(refusalOf(() => evaluationFacts({ ...REPORT, cIndex: 0.8 }, 10)).message).toMatch(/^a classification study is scored by accuracy/);
    // The wire's default 0 for a classification report's C-index is no C-index.
    expect(evaluationFacts({ ...REPORT, cIndex: 0 }, 10).cIndex).toBeNull();
  });
});

describe('who may report on a model version', () => {
  const round = (fields: Partial<RoundEntity>): RoundEntity => ({
    studyId: 's',
    number: 2,
    attempt: 0,
    status: 'closed',
    participants: ['clinic-a'],
    evaluators: ['clinic-a', 'clinic-b'],
    openedAt: 0,
    deadlineAt: 0,
    closedAt: 1,
    outcome: 'closed',
    ...fields,
  });

  it('the participants of the round that made it and the clinics it was sent to', () => {
    expect(() => checkSentToEvaluate('clinic-a', round({}), 's', 2)).not.toThrow();
    expect(() => checkSentToEvaluate('clinic-b', round({}), 's', 2)).not.toThrow();
    // Rounds closed before evaluators were recorded: their participants.
    expect(() => checkSentToEvaluate('clinic-a', round({ evaluators: null }), 's', 2)).not.toThrow();
  });

  it('no one else, nor anyone before the round closed or after it failed', () => {
    const denied = { code: status.PERMISSION_DENIED, message: 'clinic clinic-c was not asked to evaluate model version 2 of study s' };
    expect(refusalOf(() => checkSentToEvaluate('clinic-c', round({}), 's', 2))).toEqual(denied);
    expect(refusalOf(() => checkSentToEvaluate('clinic-b', round({ evaluators: null }), 's', 2)).code).toBe(status.PERMISSION_DENIED);
    expect(refusalOf(() => checkSentToEvaluate('clinic-a', round({ status: 'open' }), 's', 2)).code).toBe(status.PERMISSION_DENIED);
    expect(refusalOf(() => checkSentToEvaluate('clinic-a', round({ status: 'failed' }), 's', 2)).code).toBe(status.PERMISSION_DENIED);
    expect(refusalOf(() => checkSentToEvaluate('clinic-a', null, 's', 0)).message).toBe('clinic clinic-a was not asked to evaluate model version 0 of study s');
  });
});

describe("a regression model's evaluation", () => {
  const REGRESSION: SiteEvaluation = { ...REPORT, numCorrect: 0, accuracy: 0, loss: 12.5 };

  it('keeps the mean squared error as its loss, and nothing classified', () => {
    expect(evaluationFacts(REGRESSION, 10, 'regression')).toEqual(REGRESSION);
  });

  it('refuses correct counts, an accuracy or concordance pairs, and a squared error that is not a number >= 0', () => {
    const message = 'a regression study is scored by the mean squared error (the loss): its evaluations carry no correct count, accuracy or concordance pairs';
    for (const wrong of [{ numCorrect: 3 }, { accuracy: 0.3 }, { concordantPairs: 2 }, { cIndex: 0.6 }]) {
      expect(refusalOf(() => evaluationFacts({ ...REGRESSION, ...wrong }, 10, 'regression'))).toEqual({ code: status.INVALID_ARGUMENT, message });
    }
    expect(refusalOf(() => evaluationFacts({ ...REGRESSION, loss: Number.POSITIVE_INFINITY }, 10, 'regression')).message).toMatch(
      /loss must be a finite number/,
    );
  });
});
