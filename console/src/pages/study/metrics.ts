import type { StudyView } from '../../../../coordinator/studies/studies.service.js';
import type { Task } from '../../../../common/datasets.js';
import type { Series } from '../../components/series.js';

type Round = StudyView['roundHistory'][number];

/** The metric a task is scored by, as the study page names and reads it. */
export interface TaskMetric {
  label: string;
  site: (metric: Round['metrics'][number]) => number | null;
  pooled: (round: Round) => number | null;
  /** Bounds of the metric (accuracy and C-index lie in [0, 1]). */
  range?: [number, number];
}

export function taskMetric(task: Task): TaskMetric {
  switch (task) {
    case 'survival':
      return { label: "C-index (Harrell's C)", site: (m) => m.cIndex, pooled: (r) => r.pooledCIndex, range: [0, 1] };
    case 'regression':
      return { label: 'RMSE', site: (m) => m.rmse, pooled: (r) => r.pooledRmse };
    default:
      return { label: 'Accuracy', site: (m) => m.accuracy, pooled: (r) => r.pooledAccuracy, range: [0, 1] };
  }
}

/** One line per site (by clinic and site) over the rounds that were evaluated, and the pooled value dashed. */
export function siteSeries(rounds: readonly Round[], metric: TaskMetric): Series[] {
  const sites = new Map<string, Series>();
  const pooled: Series = { label: 'all sites pooled', points: [], dashed: true };
  for (const round of rounds) {
    if (round.metrics.length === 0) continue;
    for (const m of round.metrics) {
      const label = m.site ? `${m.clinic} (${m.site})` : m.clinic;
      if (!sites.has(label)) sites.set(label, { label, points: [] });
      sites.get(label)!.points.push({ x: round.number, y: metric.site(m) });
    }
    pooled.points.push({ x: round.number, y: metric.pooled(round) });
  }
  return sites.size === 0 ? [] : [...sites.values(), pooled];
}

/** One line per subgroup level (e.g. `sex=female`) over the rounds: its accuracy, or C-index for survival. */
export function subgroupSeries(rounds: readonly Round[], task: Task): Series[] {
  const levels = new Map<string, Series>();
  for (const round of rounds) {
    for (const level of round.subgroups) {
      const label = `${level.subgroup}=${level.level}`;
      if (!levels.has(label)) levels.set(label, { label, points: [] });
      levels.get(label)!.points.push({ x: round.number, y: task === 'survival' ? level.cIndex : level.accuracy });
    }
  }
  return [...levels.values()];
}
