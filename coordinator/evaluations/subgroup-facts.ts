import type { Task } from '../../common/datasets.js';
import { refuse } from '../../common/errors.js';
import type { StudySchema } from '../../common/schema/index.js';
import { pairCountsPossible } from '../../survival/index.js';

/** A clinic's counts of one model version on the test records of one subgroup level. */
export interface SubgroupEvaluation {
  /** The schema's subgroup name and one of its levels. */
  subgroup: string;
  level: string;
  /** Test records in the level: at least the study's minSubgroupSize. */
  numTest: number;
  /** Classification: classified right, the sum of predicted probabilities, the positives observed; 0 for survival. */
  numCorrect: number;
  predictedPositive: number;
  observedPositive: number;
  /** Survival: concordance pair counts within the level; 0 for classification. */
  concordantPairs: number;
  discordantPairs: number;
  tiedRiskPairs: number;
}

/**
 * A report's subgroup counts as the coordinator keeps them, sorted by subgroup and level; refused,
 * naming what is wrong, when the study names no such subgroup or level, a level is reported twice
 * or below the study's minimum size, a subgroup's levels hold more records than the report, or the
 * counts are impossible or of the other task.
 */
export function subgroupFacts(subgroups: readonly SubgroupEvaluation[], schema: StudySchema | null, numTest: number, task: Task): SubgroupEvaluation[] {
  if (subgroups.length === 0) return [];
  const declared = schema?.subgroups ?? [];
  if (declared.length === 0) throw refuse.invalid('this study names no subgroups: its evaluations carry no subgroup counts');
  const seen = new Set<string>();
  const records = new Map<string, number>();
  for (const s of subgroups) {
    const group = declared.find((g) => g.name === s.subgroup);
    if (!group) throw refuse.invalid(`subgroup "${s.subgroup}" is not one of the study's (${declared.map((g) => g.name).join(', ')})`);
    if (!group.levels.includes(s.level)) throw refuse.invalid(`"${s.level}" is not a level of subgroup ${s.subgroup} (levels: ${group.levels.join(', ')})`);
    const key = `${s.subgroup}=${s.level}`;
    if (seen.has(key)) throw refuse.invalid(`subgroup ${key} is reported twice`);
    seen.add(key);
    const min = schema!.minSubgroupSize;
    if (!(Number.isInteger(s.numTest) && s.numTest >= min)) {
      throw refuse.invalid(`subgroup ${key} has ${s.numTest} test records: the study reports no subgroup smaller than ${min}`);
    }
    records.set(s.subgroup, (records.get(s.subgroup) ?? 0) + s.numTest);
    if (records.get(s.subgroup)! > numTest) throw refuse.invalid(`the levels of subgroup ${s.subgroup} hold more than the ${numTest} test records reported`);
    (task === 'survival' ? checkSurvival : checkClassification)(s, key);
  }
  return [...subgroups].sort((a, b) => (a.subgroup === b.subgroup ? compare(a.level, b.level) : compare(a.subgroup, b.subgroup)));
}

function checkClassification(s: SubgroupEvaluation, key: string): void {
  const whole = (n: number) => Number.isInteger(n) && n >= 0 && n <= s.numTest;
  if (
    !whole(s.numCorrect) ||
    !whole(s.observedPositive) ||
    !(Number.isFinite(s.predictedPositive) && s.predictedPositive >= 0 && s.predictedPositive <= s.numTest)
  ) {
    throw refuse.invalid(
      `subgroup ${key}'s counts are inconsistent: ${s.numCorrect} correct, ${s.observedPositive} positive, ${s.predictedPositive} predicted of ${s.numTest}`,
    );
  }
  if (s.concordantPairs + s.discordantPairs + s.tiedRiskPairs !== 0)
    throw refuse.invalid(`subgroup ${key}: a classification study's subgroups carry no concordance pairs`);
}

function checkSurvival(s: SubgroupEvaluation, key: string): void {
  if (s.numCorrect !== 0 || s.observedPositive !== 0 || s.predictedPositive !== 0)
    throw refuse.invalid(`subgroup ${key}: a survival study's subgroups are scored by Harrell's C, not by correct counts`);
  const pairs = [s.concordantPairs, s.discordantPairs, s.tiedRiskPairs];
  const possible = (s.numTest * (s.numTest - 1)) / 2;
  if (!pairCountsPossible(pairs, s.numTest)) {
    throw refuse.invalid(`subgroup ${key}'s concordance pairs are inconsistent: ${pairs.join(', ')} among ${s.numTest} records (at most ${possible} pairs)`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
