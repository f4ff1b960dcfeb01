import type { Task } from '../../common/datasets.js';
import { refuse } from '../../common/errors.js';
import { concordanceIndexOrNull, pairCountsPossible } from '../../survival/index.js';
import type { StudySchema } from '../../common/schema/index.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import { subgroupFacts, type SubgroupEvaluation } from './subgroup-facts.js';

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
  /** Survival: comparable pairs of test records the model ordered right, wrong, and with equal risk; 0 for classification. */
  concordantPairs: number;
  discordantPairs: number;
  tiedRiskPairs: number;
  /** Survival: Harrell's C, which the coordinator computes from the pairs (null with none comparable); null for classification. */
  cIndex: number | null;
  /** Studies whose schema names subgroups: the counts per subgroup level; null or empty otherwise. */
  subgroups: SubgroupEvaluation[] | null;
}

/** How far a reported accuracy or C-index may be from what its counts give (a float32 division, say). */
const RATIO_TOLERANCE = 1e-6;

/**
 * The report as the coordinator stores it, its metric computed from the counts; a refusal naming
 * what is wrong when the counts are inconsistent or belong to another task, exceed what the operator
 * approved, the loss is not a finite non-negative number, or the stated metric is not the counts'.
 */
export function evaluationFacts(report: SiteEvaluation, approvedTestRecords: number, task: Task = 'binary', schema: StudySchema | null = null): SiteEvaluation {
  const { clinicId, numTest, loss } = report;
  if (!(Number.isInteger(numTest) && numTest >= 1)) throw refuse.invalid(`evaluation counts are inconsistent: ${report.numCorrect} correct of ${numTest}`);
  if (numTest > approvedTestRecords) {
    throw refuse.invalid(`clinic ${clinicId} reports ${numTest} test records; the operator approved at most ${approvedTestRecords}`);
  }
  if (!(Number.isFinite(loss) && loss >= 0)) throw refuse.invalid(`evaluation loss must be a finite number >= 0, got ${loss}`);
  const facts = task === 'survival' ? survivalFacts(report) : task === 'regression' ? regressionFacts(report) : classificationFacts(report);
  const subgroups = subgroupFacts(report.subgroups ?? [], schema, numTest, task);
  return { ...facts, subgroups: subgroups.length > 0 ? subgroups : null };
}

function classificationFacts(report: SiteEvaluation): SiteEvaluation {
  const { numTest, numCorrect, accuracy, concordantPairs, discordantPairs, tiedRiskPairs, cIndex } = report;
  if (!(Number.isInteger(numCorrect) && numCorrect >= 0 && numCorrect <= numTest)) {
    throw refuse.invalid(`evaluation counts are inconsistent: ${numCorrect} correct of ${numTest}`);
  }
  if (concordantPairs !== 0 || discordantPairs !== 0 || tiedRiskPairs !== 0 || !(cIndex === null || cIndex === 0)) {
    throw refuse.invalid('a classification study is scored by accuracy: its evaluations carry no concordance pairs or C-index');
  }
  const computed = numCorrect / numTest;
  if (!(Math.abs(accuracy - computed) <= RATIO_TOLERANCE)) {
    throw refuse.invalid(`evaluation accuracy ${accuracy} is not ${numCorrect} correct of ${numTest} (${computed})`);
  }
  return { ...report, accuracy: computed, cIndex: null };
}

/** A regression is scored by its mean squared error, the report's loss (checked above): nothing classified, no pairs. */
function regressionFacts(report: SiteEvaluation): SiteEvaluation {
  const { numCorrect, accuracy, concordantPairs, discordantPairs, tiedRiskPairs, cIndex } = report;
  if (numCorrect !== 0 || accuracy !== 0 || concordantPairs !== 0 || discordantPairs !== 0 || tiedRiskPairs !== 0 || !(cIndex === null || cIndex === 0)) {
    throw refuse.invalid(
      'a regression study is scored by the mean squared error (the loss): its evaluations carry no correct count, accuracy or concordance pairs',
    );
  }
  return { ...report, accuracy: 0, cIndex: null };
}

function survivalFacts(report: SiteEvaluation): SiteEvaluation {
  const { numTest, numCorrect, accuracy, concordantPairs: c, discordantPairs: d, tiedRiskPairs: t, cIndex } = report;
  if (numCorrect !== 0 || accuracy !== 0) throw refuse.invalid(`a survival study is scored by Harrell's C: its evaluations carry no correct count or accuracy`);
  const possible = (numTest * (numTest - 1)) / 2;
  if (!pairCountsPossible([c, d, t], numTest)) {
    throw refuse.invalid(
      `concordance pairs are inconsistent: ${c} concordant, ${d} discordant and ${t} tied among ${numTest} test records (at most ${possible} pairs)`,
    );
  }
  const computed = concordanceIndexOrNull({ concordant: c, discordant: d, tiedRisk: t });
  const matches =
    computed === null ? cIndex === null || cIndex === 0 || Number.isNaN(cIndex) : cIndex !== null && Math.abs(cIndex - computed) <= RATIO_TOLERANCE;
  if (!matches) throw refuse.invalid(`evaluation C-index ${cIndex} is not ${c} concordant, ${d} discordant and ${t} tied pairs (${computed})`);
  return { ...report, accuracy: 0, cIndex: computed };
}

/** A report in a few words, for messages: its counts. */
export function describeEvaluation(
  report: Pick<SiteEvaluation, 'numTest' | 'numCorrect' | 'cIndex' | 'concordantPairs' | 'discordantPairs' | 'tiedRiskPairs'>,
): string {
  if (report.cIndex === null) return `${report.numCorrect} correct of ${report.numTest}`;
  return `C-index ${report.cIndex.toFixed(4)} from ${report.concordantPairs + report.discordantPairs + report.tiedRiskPairs} pairs among ${report.numTest} records`;
}

/**
 * Refused unless `clinicId` was sent model version `round.number` to evaluate: the version exists
 * only once its round closed, and goes to the round's participants and the clinics available then.
 */
export function checkSentToEvaluate(clinicId: string, round: RoundEntity | null, studyId: string, version: number): void {
  const sent = round?.status === 'closed' && (round.participants.includes(clinicId) || (round.evaluators ?? []).includes(clinicId));
  if (!sent) throw refuse.denied(`clinic ${clinicId} was not asked to evaluate model version ${version} of study ${studyId}`);
}
