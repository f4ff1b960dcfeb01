import { useState } from 'preact/hooks';
import { TableHead } from '../components/table-head.js';
import type { Api } from '../api.js';
import { Badge, ErrorBox, Loading } from '../components/status.js';
import { dateTime } from '../format.js';
import { useLoad } from '../use-load.js';

interface ClinicRow {
  clinicId: string;
  fingerprint: string;
  enrolledAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
  approval: { dataset: string; site: string; numTrain: number; numTest: number } | null;
  registration: { site: string; numTrain: number; numTest: number; nodeVersion: string } | null;
  connected: boolean;
  lastSeenAt: string | null;
}

/** The consortium's clinics: who is enrolled, connected, revoked; operators enrol and revoke. */
export function ConsortiumPage({ api, canWrite }: { api: Api; canWrite: boolean }) {
  // Who is connected changes on its own: look again every 10 s while the page is open.
  const clinics = useLoad(() => api.get<ClinicRow[]>('/clinics'), [api], 10_000);
  return (
    <>
      <h1>Consortium</h1>
      <p>
        Every clinic enrolled with the coordinator. A clinic proves who it is with the keys its fingerprint names; confirm a new fingerprint with the clinic by
        phone before enrolling it.
      </p>
      <ErrorBox error={clinics.error} title="Could not load the clinics" />
      {!clinics.data && !clinics.error && <Loading what="clinics" />}
      {clinics.data && <ClinicTable rows={clinics.data} api={api} canWrite={canWrite} onChanged={clinics.reload} />}
      {canWrite && <EnrolForm api={api} onEnrolled={clinics.reload} />}
    </>
  );
}

function ClinicTable({ rows, api, canWrite, onChanged }: { rows: ClinicRow[]; api: Api; canWrite: boolean; onChanged: () => void }) {
  if (rows.length === 0) return <p>No clinic is enrolled yet.</p>;
  return (
    <div class="overflow-auto">
      <table data-testid="clinics">
        <caption class="visually-hidden">Enrolled clinics</caption>
        <TableHead
          columns={['Clinic', 'Standing', 'Connected', 'Last seen', 'Site', 'Approved records (train / test)', 'Key fingerprint', canWrite && 'Action']}
        />
        <tbody>
          {rows.map((row) => (
            <tr key={row.clinicId} data-clinic={row.clinicId}>
              <th scope="row">{row.clinicId}</th>
              <td>
                {row.revokedAt ? (
                  <>
                    <Badge tone="bad">revoked</Badge>
                    <br />
                    <small>
                      {dateTime(row.revokedAt)}: {row.revocationReason}
                    </small>
                  </>
                ) : (
                  <Badge tone="good">enrolled</Badge>
                )}
              </td>
              <td>{row.connected ? <Badge tone="good">connected</Badge> : <Badge tone="neutral">not connected</Badge>}</td>
              <td>{row.connected ? 'now' : row.lastSeenAt ? dateTime(row.lastSeenAt) : 'not since the coordinator started'}</td>
              <td>{row.approval ? `${row.approval.dataset} / ${row.approval.site}` : row.registration ? `${row.registration.site} (not approved)` : '–'}</td>
              <td>{row.approval ? `${row.approval.numTrain} / ${row.approval.numTest}` : 'not approved'}</td>
              <td>
                <code class="fingerprint">{row.fingerprint}</code>
              </td>
              {canWrite && <td>{!row.revokedAt && <RevokeButton api={api} clinicId={row.clinicId} onRevoked={onChanged} />}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RevokeButton({ api, clinicId, onRevoked }: { api: Api; clinicId: string; onRevoked: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  if (!open) {
    return (
      <button type="button" class="secondary outline small" onClick={() => setOpen(true)}>
        Revoke {clinicId}…
      </button>
    );
  }
  const revoke = async (event: Event) => {
    event.preventDefault();
    try {
      await api.post(`/clinics/${encodeURIComponent(clinicId)}/revoke`, { reason });
      setOpen(false);
      onRevoked();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form onSubmit={revoke} class="inline-form">
      <label>
        Reason for revoking {clinicId}
        <input required value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" class="danger small">
        Revoke for good
      </button>
      <button type="button" class="secondary outline small" onClick={() => setOpen(false)}>
        Keep
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

/** Enrols a clinic from its card (cohort keys init writes card.json), optionally approving its site and record counts. */
function EnrolForm({ api, onEnrolled }: { api: Api; onEnrolled: () => void }) {
  const [card, setCard] = useState('');
  const [approval, setApproval] = useState({ dataset: '', site: '', numTrain: '', numTest: '' });
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setDone(null);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(card) as Record<string, unknown>;
    } catch {
      setError(new Error('the card is not JSON: paste the whole card.json the clinic sent'));
      return;
    }
    const approving = approval.dataset || approval.site || approval.numTrain || approval.numTest;
    const body = approving
      ? { ...parsed, approved: { dataset: approval.dataset, site: approval.site, numTrain: Number(approval.numTrain), numTest: Number(approval.numTest) } }
      : parsed;
    try {
      const enrolled = await api.post<{ clinicId: string }>('/clinics/enrolled', body);
      setDone(`Enrolled ${enrolled.clinicId}${approving ? ', approved' : ': approve its site before it is asked to train'}.`);
      setCard('');
      onEnrolled();
    } catch (failure) {
      setError(failure);
    }
  };
  const field = (name: keyof typeof approval, label: string, numeric = false) => (
    <label>
      {label}
      <input
        name={name}
        type="text"
        inputMode={numeric ? 'numeric' : undefined}
        value={approval[name]}
        onInput={(e) => setApproval({ ...approval, [name]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
  return (
    <section aria-labelledby="enrol-title">
      <h2 id="enrol-title">Enrol a clinic</h2>
      <form onSubmit={submit}>
        <label>
          The clinic's card (card.json)
          <textarea
            name="card"
            rows={4}
            required
            value={card}
            onInput={(e) => setCard((e.target as HTMLTextAreaElement).value)}
            placeholder='{"clinicId": "...", "signPublicKey": "...", "boxPublicKey": "...", "fingerprint": "..."}'
          />
        </label>
        <fieldset>
          <legend>Approval (optional: the most records the clinic may declare)</legend>
          <div class="grid">
            {field('dataset', 'Dataset')}
            {field('site', 'Site')}
            {field('numTrain', 'Training records', true)}
            {field('numTest', 'Test records', true)}
          </div>
        </fieldset>
        <button type="submit">Enrol</button>
        {done && (
          <p role="status" class="ok-box">
            {done}
          </p>
        )}
        <ErrorBox error={error} title="Not enrolled" />
      </form>
    </section>
  );
}
