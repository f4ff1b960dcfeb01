import type { Task } from '../../common/datasets.js';
import { concordanceIndexOrNull } from '../../survival/index.js';
import type { SubgroupEvaluation } from '../evaluations/subgroup-facts.js';

/** One subgroup level over the sites that reported it. */
export interface SubgroupLevelView {
  subgroup: string;
  level: string;
  /** Test records in the level over the reporting sites (each site's count was at least the study's minimum). */
  numTest: number;
  sites: { clinic: string; numTest: number; accuracy: number | null; cIndex: number | null }[];
  /** Classification: accuracy over the level's records, and calibration in the large, mean predicted probability over observed rate (1 is calibrated; null with no positive). */
  accuracy: number | null;
  calibration: number | null;
  /** Survival: Harrell's C from every site's pairs in the level (pairs within a site). */
  cIndex: number | null;
}

/** The largest difference of the task's metric between two levels of one subgroup. */
export interface SubgroupGap {
  subgroup: string;
  metric: 'accuracy' | 'c_index';
  highest: { level: string; value: number };
  lowest: { level: string; value: number };
  gap: number;
}

/** Each subgroup level's metrics pooled over the sites of one model version, and the largest gap between levels of a subgroup. */
export function subgroupViews(reports: readonly { clinic: string; subgroups: readonly SubgroupEvaluation[] }[], task: Task) {
  const levels = new Map<string, SubgroupLevelView & { totals: Omit<SubgroupEvaluation, 'subgroup' | 'level'> }>();
  for (const { clinic, subgroups } of reports) {
    for (const s of subgroups) {
      const key = `${s.subgroup}\u0000${s.level}`;
      const view = levels.get(key) ?? {
        subgroup: s.subgroup,
        level: s.level,
        numTest: 0,
        sites: [],
        accuracy: null,
        calibration: null,
        cIndex: null,
        totals: zero(),
      };
      for (const field of Object.keys(view.totals) as (keyof typeof view.totals)[]) view.totals[field] += s[field];
      view.numTest = view.totals.numTest;
      view.sites.push({ clinic, numTest: s.numTest, ...metricsOf(s, task) });
      levels.set(key, view);
    }
  }
  const views: SubgroupLevelView[] = [...levels.values()].map(({ totals, ...view }) => ({
    ...view,
    ...metricsOf(totals, task),
    ...calibrationOf(totals, task),
  }));
  return { subgroups: views, largestGap: largestGap(views, task) };
}

function zero(): Omit<SubgroupEvaluation, 'subgroup' | 'level'> {
  return { numTest: 0, numCorrect: 0, predictedPositive: 0, observedPositive: 0, concordantPairs: 0, discordantPairs: 0, tiedRiskPairs: 0 };
}

function metricsOf(s: Omit<SubgroupEvaluation, 'subgroup' | 'level'>, task: Task): { accuracy: number | null; cIndex: number | null } {
  if (task === 'survival')
    return { accuracy: null, cIndex: concordanceIndexOrNull({ concordant: s.concordantPairs, discordant: s.discordantPairs, tiedRisk: s.tiedRiskPairs }) };
  return { accuracy: s.numCorrect / s.numTest, cIndex: null };
}

function calibrationOf(s: Omit<SubgroupEvaluation, 'subgroup' | 'level'>, task: Task): { calibration: number | null } {
  return { calibration: task === 'binary' && s.observedPositive > 0 ? s.predictedPositive / s.observedPositive : null };
}

function largestGap(views: readonly SubgroupLevelView[], task: Task): SubgroupGap | null {
  const metric = task === 'survival' ? 'c_index' : 'accuracy';
  let best: SubgroupGap | null = null;
  for (const subgroup of new Set(views.map((v) => v.subgroup))) {
    const scored = views.flatMap((v) => {
      const value = task === 'survival' ? v.cIndex : v.accuracy;
      return v.subgroup === subgroup && value !== null ? [{ level: v.level, value }] : [];
    });
    if (scored.length < 2) continue;
    const highest = scored.reduce((a, b) => (b.value > a.value ? b : a));
    const lowest = scored.reduce((a, b) => (b.value < a.value ? b : a));
    const gap = highest.value - lowest.value;
    if (!best || gap > best.gap) best = { subgroup, metric, highest, lowest, gap };
  }
  return best;
}
