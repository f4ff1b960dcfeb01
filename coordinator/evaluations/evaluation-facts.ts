import { refuse } from '../../common/errors.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';

/** A clinic's metrics of one model version on its own test records. */
export interface SiteEvaluation {
  clinicId: string;
  studyId: string;
  modelVersion: number;
  /** Test records evaluated; at least 1, at most the clinic's approved test records. */
  numTest: number;
  /** Of those, classified correctly; at most numTest. */
  numCorrect: number;
  /** numCorrect / numTest: the coordinator computes it, and refuses a report that states another. */
  accuracy: number;
  /** Mean loss over the test records; finite, >= 0. */
  loss: number;
}

/** How far a reported accuracy may be from numCorrect / numTest (a float32 division, say). */
const ACCURACY_TOLERANCE = 1e-6;

/**
 * The report as the coordinator stores it, its accuracy computed from the counts; a refusal naming
 * what is wrong when the counts are inconsistent, exceed what the operator approved, the loss is not
 * a finite non-negative number, or the stated accuracy is not the counts' ratio.
 */
export function evaluationFacts(report: SiteEvaluation, approvedTestRecords: number): SiteEvaluation {
  const { clinicId, numTest, numCorrect, accuracy, loss } = report;
  if (!(Number.isInteger(numTest) && Number.isInteger(numCorrect) && numTest >= 1 && numCorrect >= 0 && numCorrect <= numTest)) {
    throw refuse.invalid(`evaluation counts are inconsistent: ${numCorrect} correct of ${numTest}`);
  }
  if (numTest > approvedTestRecords) {
    throw refuse.invalid(`clinic ${clinicId} reports ${numTest} test records; the operator approved at most ${approvedTestRecords}`);
  }
  if (!(Number.isFinite(loss) && loss >= 0)) throw refuse.invalid(`evaluation loss must be a finite number >= 0, got ${loss}`);
  const computed = numCorrect / numTest;
  if (!(Math.abs(accuracy - computed) <= ACCURACY_TOLERANCE)) {
    throw refuse.invalid(`evaluation accuracy ${accuracy} is not ${numCorrect} correct of ${numTest} (${computed})`);
  }
  return { ...report, accuracy: computed };
}

/**
 * Refused unless `clinicId` was sent model version `round.number` to evaluate: the version exists
 * only once its round closed, and goes to the round's participants and the clinics available then.
 */
export function checkSentToEvaluate(clinicId: string, round: RoundEntity | null, studyId: string, version: number): void {
  const sent = round?.status === 'closed' && (round.participants.includes(clinicId) || (round.evaluators ?? []).includes(clinicId));
  if (!sent) throw refuse.denied(`clinic ${clinicId} was not asked to evaluate model version ${version} of study ${studyId}`);
}
