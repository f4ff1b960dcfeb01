import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import { checkSentToEvaluate, evaluationFacts, type SiteEvaluation } from './evaluation-facts.js';

const REPORT: SiteEvaluation = { clinicId: 'clinic-a', studyId: 's', modelVersion: 2, numTest: 10, numCorrect: 7, accuracy: 0.7, loss: 0.6 };
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
