import { TableHead } from '../components/table-head.js';
import type { Api } from '../api.js';
import { ErrorBox, Loading, StudyStatus } from '../components/status.js';
import { dateTime } from '../format.js';
import { href } from '../router.js';
import { useLoad } from '../use-load.js';

interface StudySummary {
  id: string;
  name: string;
  dataset: string;
  privacy: string;
  status: string;
  rounds: number;
  createdAt: string;
}

/** Every study, newest first. */
export function StudiesPage({ api, canWrite }: { api: Api; canWrite: boolean }) {
  const studies = useLoad(() => api.get<StudySummary[]>('/studies'), [api], 10_000);
  return (
    <>
      <div class="page-head">
        <h1>Studies</h1>
        {canWrite && (
          <a href={href({ page: 'new-study' })} role="button">
            New study
          </a>
        )}
      </div>
      <ErrorBox error={studies.error} title="Could not load the studies" />
      {!studies.data && !studies.error && <Loading what="studies" />}
      {studies.data?.length === 0 && <p>No study yet.{canWrite && ' Define one with New study.'}</p>}
      {studies.data && studies.data.length > 0 && (
        <div class="overflow-auto">
          <table data-testid="studies">
            <caption class="visually-hidden">Studies, newest first</caption>
            <TableHead columns={['Study', 'Status', 'Dataset', 'Privacy', 'Rounds', 'Created']} />
            <tbody>
              {studies.data.map((study) => (
                <tr key={study.id}>
                  <th scope="row">
                    <a href={href({ page: 'study', id: study.id })}>{study.name}</a>
                    <br />
                    <small>{study.id}</small>
                  </th>
                  <td>
                    <StudyStatus status={study.status} />
                  </td>
                  <td>{study.dataset}</td>
                  <td>{study.privacy}</td>
                  <td>{study.rounds}</td>
                  <td>{dateTime(study.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
