import { useState } from 'preact/hooks';
import { TableHead } from '../../components/table-head.js';
import type { StudyView } from '../../../../coordinator/studies/studies.service.js';
import { modelCard, type ClinicPrivacySpent, type ModelVersionView } from '../../../../cli/model-export/model-card.js';
import { saveFile, type Api } from '../../api.js';
import { ErrorBox } from '../../components/status.js';
import { dateTime } from '../../format.js';

/**
 * Each model version the study made (one per closed round), to download as the API gives it, with
 * its model card: the same card `cohort model export` writes, built here from the same code.
 */
export function ModelDownloads({ api, study }: { api: Api; study: StudyView }) {
  const [error, setError] = useState<unknown>(null);
  const versions = study.roundHistory.filter((round) => round.status === 'closed');
  const base = `/studies/${encodeURIComponent(study.id)}/models`;
  const fileName = (version: number, what: string) => `${study.name.replace(/[^\w.-]+/g, '-')}-v${version}-${what}.json`;
  const download = async (version: number) => {
    setError(null);
    try {
      saveFile(fileName(version, 'model'), await api.text(`${base}/${version}`));
    } catch (failure) {
      setError(failure);
    }
  };
  const card = async (version: number) => {
    setError(null);
    try {
      const model = await api.get<ModelVersionView>(`${base}/${version}`);
      const privacySpent = study.dp ? await api.get<ClinicPrivacySpent[]>('/audit/clinics') : null;
      const text = JSON.stringify(modelCard(study, model, [fileName(version, 'model')], { privacySpent }), null, 2);
      saveFile(fileName(version, 'model-card'), `${text}\n`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Model versions</h2>
      {versions.length === 0 ? (
        <p>No round has closed yet: version 0 is the starting model.</p>
      ) : (
        <table data-testid="models">
          <caption class="visually-hidden">Model versions and their downloads</caption>
          <TableHead columns={['Version', 'Made', 'Downloads']} />
          <tbody>
            {versions.map((round) => (
              <tr key={round.number}>
                <th scope="row">{round.number}</th>
                <td>{dateTime(round.closedAt)}</td>
                <td class="actions">
                  <button type="button" class="secondary small" onClick={() => download(round.number)}>
                    Model v{round.number}
                  </button>
                  <button type="button" class="secondary outline small" onClick={() => card(round.number)}>
                    Model card v{round.number}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorBox error={error} title="Download failed" />
    </section>
  );
}
