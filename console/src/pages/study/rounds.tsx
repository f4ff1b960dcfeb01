import type { StudyView } from '../../../../coordinator/studies/studies.service.js';
import { TableHead } from '../../components/table-head.js';
import { dateTime, num } from '../../format.js';
import type { TaskMetric } from './metrics.js';

/** Every round: when, who took part, what came of it, and its pooled metric. */
export function RoundTable({ study, metric }: { study: StudyView; metric: TaskMetric }) {
  if (study.roundHistory.length === 0)
    return <p>No round has opened yet{study.status === 'waiting' ? `: round 1 waits for ${study.minClinics} clinics` : ''}.</p>;
  return (
    <div class="overflow-auto">
      <table data-testid="rounds">
        <caption class="visually-hidden">Rounds</caption>
        <TableHead columns={['Round', 'Status', 'Opened', 'Closed', 'Updates', 'Refusals', `Pooled ${metric.label}`, 'Outcome']} />
        <tbody>
          {study.roundHistory.map((round) => (
            <tr key={round.number}>
              <th scope="row">{round.number}</th>
              <td>{round.status}</td>
              <td>{dateTime(round.openedAt)}</td>
              <td>{dateTime(round.closedAt)}</td>
              <td title={round.updates.map((u) => u.clinic).join(', ')}>
                {round.updates.length} of {round.participants.length}
              </td>
              <td>{round.refusals.length === 0 ? '–' : round.refusals.map((r) => `${r.clinic}: ${r.reason}`).join('; ')}</td>
              <td>{num(metric.pooled(round))}</td>
              <td>{round.outcome ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The settings the study runs with, every default filled in. */
export function StudySettings({ study }: { study: StudyView }) {
  const rows: [string, string][] = [
    ['Dataset', study.dataset],
    ['Model', `${study.model.architecture}, ${study.model.numParameters} parameters`],
    ['Strategy', settingsText(study.strategy)],
    ['Training', settingsText(study.training)],
    ['Privacy', study.privacy],
    ...(study.dp
      ? [['Differential privacy', `target epsilon ${study.dp.targetEpsilon} at delta ${study.dp.delta}, clip norm ${study.dp.clipNorm}`] as [string, string]]
      : []),
    ...(study.encryption ? [['Encryption', study.encryption.parameterSet] as [string, string]] : []),
    ['Rounds', String(study.rounds)],
    ['Quorum / clinics round 1 waits for', `${study.quorum} / ${study.minClinics}`],
    ['Round timeout', `${study.roundTimeoutS} s`],
    ['Seed', String(study.seed)],
    ['Created', dateTime(study.createdAt)],
    ['Finished', dateTime(study.finishedAt)],
  ];
  return (
    <dl class="settings" data-testid="settings">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** `{ name: 'fedadam', eta: 0.01 }` as `name fedadam, eta 0.01`. */
function settingsText(settings: object): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}
