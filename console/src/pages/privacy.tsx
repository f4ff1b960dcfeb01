import { useMemo, useState } from 'preact/hooks';
import type { ClinicAudit } from '../../../crypto/ledger/index.js';
import type { PrivacyReport } from '../../../coordinator/audit/privacy-report.js';
import { TableHead } from '../components/table-head.js';
import type { Api } from '../api.js';
import { LineChart } from '../components/line-chart.js';
import { Badge, ErrorBox, Loading } from '../components/status.js';
import { dateTime, num } from '../format.js';
import { useLoad } from '../use-load.js';
import { epsilonSeries, ledgerStudies, loadLedgers, verifyInBrowser, type StoredLedger } from './privacy/ledgers.js';

type Report = PrivacyReport & { about: string };

/** Every clinic's privacy budget over time against its cap, per study and in total, its ledger, and a verification run here. */
export function PrivacyPage({ api }: { api: Api }) {
  const loaded = useLoad(async () => {
    const report = await api.get<Report>('/audit/report?format=json');
    return {
      report,
      ledgers: await loadLedgers(
        api,
        report.clinics.map((c) => c.clinic),
      ),
    };
  }, [api]);
  if (loaded.error) return <ErrorBox error={loaded.error} title="Could not load the privacy report" />;
  if (!loaded.data) return <Loading what="the privacy report" />;
  const { report, ledgers } = loaded.data;
  return (
    <>
      <h1>Privacy budgets</h1>
      <p class="about">{report.about}</p>
      <Verification api={api} clinicIds={report.clinics.map((c) => c.clinic)} onVerified={loaded.reload} />
      {ledgers.some((l) => l.entries.length > 0) ? (
        <EpsilonChart report={report} ledgers={ledgers} />
      ) : (
        <p>No clinic has a ledger entry yet: nothing has been spent.</p>
      )}
      <ClinicBudgets report={report} />
      <StudyBudgets report={report} />
      <section aria-labelledby="ledgers-title">
        <h2 id="ledgers-title">Ledgers</h2>
        {ledgers.map((ledger) => (
          <LedgerEntries key={ledger.clinicId} ledger={ledger} />
        ))}
      </section>
    </>
  );
}

/** Epsilon over time against each cap: every clinic's total, or one study's own spend. */
function EpsilonChart({ report, ledgers }: { report: Report; ledgers: StoredLedger[] }) {
  const [study, setStudy] = useState<string>('');
  const names = new Map(report.studies.map((s) => [s.study, s.studyName ?? s.study]));
  const series = useMemo(() => epsilonSeries(ledgers, study || null), [ledgers, study]);
  return (
    <section aria-labelledby="over-time-title">
      <h2 id="over-time-title">Over time</h2>
      <label for="epsilon-study">
        Show
        <select id="epsilon-study" value={study} onChange={(e) => setStudy((e.target as HTMLSelectElement).value)}>
          <option value="">every study: each clinic's total</option>
          {ledgerStudies(ledgers).map((id) => (
            <option key={id} value={id}>
              study {names.get(id) ?? id} alone
            </option>
          ))}
        </select>
      </label>
      <LineChart
        title={study ? `Epsilon each clinic spent on ${names.get(study) ?? study}, against its cap` : 'Epsilon spent by each clinic over time, against its cap'}
        xLabel="Time (UTC)"
        yLabel={study ? 'Epsilon of the study' : 'Total epsilon'}
        series={series}
        yMin={0}
        xKind="time"
        testId="epsilon-chart"
      />
    </section>
  );
}

function ClinicBudgets({ report }: { report: Report }) {
  return (
    <section aria-labelledby="budgets-title">
      <h2 id="budgets-title">In total, per clinic</h2>
      <div class="overflow-auto">
        <table data-testid="budgets">
          <TableHead columns={['Clinic', 'Epsilon spent', 'Cap', 'Remaining', 'Delta', 'Spends', 'Refusals', "Coordinator's copy"]} />
          <tbody>
            {report.clinics.map((c) => (
              <tr key={c.clinic}>
                <th scope="row">{c.clinic}</th>
                <td>{num(c.epsilon)}</td>
                <td>{num(c.cap)}</td>
                <td>{num(c.remaining)}</td>
                <td>{c.delta ?? '–'}</td>
                <td>{c.spends}</td>
                <td>{c.refusals}</td>
                <td>{c.verified ? <Badge tone="good">verifies</Badge> : <Badge tone="bad">does not verify</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function StudyBudgets({ report }: { report: Report }) {
  if (report.studies.length === 0) return null;
  return (
    <section aria-labelledby="by-study-title">
      <h2 id="by-study-title">Per study</h2>
      <p>A clinic's total is not the sum of these: its spends are composed together, which costs less.</p>
      <div class="overflow-auto">
        <table data-testid="by-study">
          <TableHead columns={['Study', 'Clinic', 'Epsilon', 'Delta', 'Spends', 'Refusals', 'Last entry']} />
          <tbody>
            {report.studies.map((s) => (
              <tr key={`${s.study}/${s.clinic}`}>
                <th scope="row">{s.studyName ?? s.study}</th>
                <td>{s.clinic}</td>
                <td>{num(s.epsilon)}</td>
                <td>{s.delta}</td>
                <td>{s.spends}</td>
                <td>{s.refusals}</td>
                <td>{dateTime(s.lastEntryAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function LedgerEntries({ ledger }: { ledger: StoredLedger }) {
  return (
    <details data-clinic={ledger.clinicId}>
      <summary>
        {ledger.clinicId}: {ledger.entries.length} entries
      </summary>
      <div class="overflow-auto">
        <table>
          <TableHead columns={['#', 'Kind', 'Study', 'Round', 'Total epsilon after', 'Requested', 'Cap', 'Recorded', 'Reason']} />
          <tbody>
            {ledger.entries.map((entry) => (
              <tr key={entry.seq}>
                <th scope="row">{entry.seq}</th>
                <td>{entry.kind}</td>
                <td>{entry.studyId}</td>
                <td>{entry.round}</td>
                <td>{num(entry.epsilon)}</td>
                <td>{num(entry.requestedEpsilon)}</td>
                <td>{num(entry.capEpsilon)}</td>
                <td>{dateTime(entry.recordedAt)}</td>
                <td>{entry.reason ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** Fetches every ledger afresh and verifies it here; names each entry that fails. The page's tables are then reloaded too. */
function Verification({ api, clinicIds, onVerified }: { api: Api; clinicIds: string[]; onVerified: () => void }) {
  const [audits, setAudits] = useState<ClinicAudit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setAudits((await loadLedgers(api, clinicIds)).map(verifyInBrowser));
      onVerified();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const failed = audits?.filter((a) => !a.ok) ?? [];
  return (
    <section aria-labelledby="verify-title" class="verify">
      <h2 id="verify-title">Verify</h2>
      <p>
        Re-checks every ledger in this browser with the same code as cohort audit verify: each hash chain, each clinic's signature, each epsilon recomputed.
      </p>
      <button type="button" onClick={verify} aria-busy={busy}>
        Verify every ledger
      </button>
      <ErrorBox error={error} title="Could not fetch the ledgers" />
      {audits && (
        <div role="status" data-testid="verification" data-ok={failed.length === 0 ? 'true' : 'false'}>
          <p class={failed.length === 0 ? 'ok-box' : 'error-box'}>
            {failed.length === 0
              ? `Verified: ${audits.length} ledgers, ${audits.reduce((n, a) => n + a.entries, 0)} entries, every chain, signature and epsilon intact.`
              : `Verification FAILED for ${failed.map((a) => a.clinicId).join(', ')}.`}
          </p>
          <ul>
            {audits.map((audit) => (
              <li key={audit.clinicId} data-clinic={audit.clinicId}>
                <strong>{audit.clinicId}</strong>: {audit.ok ? 'ok' : 'FAILED'}, {audit.entries} entries ({audit.spends} spends, {audit.refusals} refusals),
                epsilon {num(audit.epsilon)} of cap {num(audit.capEpsilon)}
                {audit.problems.length > 0 && (
                  <ul>
                    {audit.problems.map((problem) => (
                      <li key={problem} class="error-text">
                        {problem}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
