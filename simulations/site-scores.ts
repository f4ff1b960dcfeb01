import type { Task } from '../common/datasets.js';
import { addConcordance, concordanceIndex, type ConcordanceCounts } from '../survival/index.js';

/** A site's score of one model version: accuracy for a classification study, Harrell's C for a survival one. */
export interface SiteScore {
  numTest: number;
  accuracy: number;
  /** Survival: Harrell's C on the site's test records; null when none of its pairs was comparable. */
  cIndex: number | null;
  concordance: ConcordanceCounts;
}

/** Each site's score of one model version, by site. */
export type SiteScores = Map<string, SiteScore>;

/** The report's name for the task's metric. */
export function metricName(task: Task): 'accuracy' | 'c_index' {
  return task === 'survival' ? 'c_index' : 'accuracy';
}

/**
 * The mean of the sites' metrics, and the pooled one: accuracy over all their test records, or
 * Harrell's C from all their pairs (pairs within a site, as a model stratified by site is scored).
 * A survival site with no comparable pair has no C-index and is left out of the mean.
 */
export function summarise(perSite: SiteScores, task: Task): { mean: number; pooled: number } {
  const values = [...perSite.values()];
  if (task === 'survival') {
    const scored = values.flatMap((v) => (v.cIndex === null ? [] : [v.cIndex]));
    const pairs = values.reduce((total, v) => addConcordance(total, v.concordance), { concordant: 0, discordant: 0, tiedRisk: 0 });
    return { mean: scored.reduce((s, c) => s + c, 0) / scored.length, pooled: concordanceIndex(pairs) };
  }
  const tested = values.reduce((n, v) => n + v.numTest, 0);
  return {
    mean: values.reduce((s, v) => s + v.accuracy, 0) / values.length,
    pooled: values.reduce((s, v) => s + v.accuracy * v.numTest, 0) / tested,
  };
}

/** The site's metric as the report gives it. */
export function siteMetric(score: SiteScore, task: Task): number | null {
  return task === 'survival' ? score.cIndex : score.accuracy;
}
