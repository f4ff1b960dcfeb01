/**
 * `cohort audit verify|report`: what an auditor runs against the coordinator's copy of the privacy
 * ledgers (auditor token), or against a clinic's own ledger file. `verify` recomputes every epsilon
 * from the recorded mechanism and accountant, checks every hash link and signature, and checks that
 * every update a clinic sent to a differentially private study has a spend; it names each entry
 * that fails and exits 1. `report` prints every clinic's budget and its spend per study, as a table or
 * in the formats the coordinator renders (json, csv, markdown), exiting 1 if a ledger fails to verify.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_FILE } from '../../clinic-node/node-agent.js';
import { readLedgerLines } from '../../clinic-node/privacy/ledger-file.js';
import { Keystore } from '../../clinic-node/keys/index.js';
import { auditClinic, cardFromJson, verifyLedger, type ClinicAudit } from '../../crypto/index.js';
import { REPORT_FORMATS, type PrivacyReport, type ReportFormat } from '../../coordinator/audit/privacy-report.js';
import { readCard } from '../card-file.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, UsageError } from '../flags.js';
import { endpoint, http, table, coordinatorUrl, COORDINATOR_URL_FLAGS } from '../http-helpers.js';
import { tokenFrom, tokenOptions } from '../token-flags.js';

const VERIFY_USAGE = `  cohort audit verify --coordinator-url URL [--tls-ca ca.pem] [--auditor-token-file F] [--clinic-id ID] [--json]
                                                        verify every clinic's ledger as the coordinator stores it
  cohort audit verify --ledger FILE --card CARD.json [--json]
  cohort audit verify --keystore DIR [--ledger FILE] [--json]
                                                        verify a clinic's ledger file with its card (or at the clinic, its keystore)`;
const REPORT_USAGE = `  cohort audit report --coordinator-url URL [--tls-ca ca.pem] [--auditor-token-file F] [--format table|json|csv|markdown]
                                                        every clinic's budget and its spend per study; json, csv and
                                                        markdown explain each column (--json: --format json)`;
const USAGE = `${VERIFY_USAGE}
${REPORT_USAGE}
                       (token default: COHORT_AUDITOR_TOKEN; --auditor-token T also works, but ps shows it)`;

type Print = (line: string) => void;
const print: Print = (line) => console.log(line);

export const auditCommand: Command = {
  name: 'audit',
  summary: "verify|report: the clinics' privacy ledgers, for auditors",
  usage: USAGE,
  run: (args) => runSubcommand('audit', USAGE, { verify, report }, args),
};

async function verify(args: string[]): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort audit verify',
    usage: VERIFY_USAGE,
    options: {
      ...COORDINATOR_URL_FLAGS,
      ...tokenOptions('auditor-token'),
      'clinic-id': { type: 'string' },
      keystore: { type: 'string' },
      ledger: { type: 'string' },
      card: { type: 'string' },
      json: { type: 'boolean' },
    },
    // One spelling across commands: a clinic is --clinic-id everywhere.
    renamed: { clinic: 'clinic-id' },
  });
  let audits: ClinicAudit[];
  // An auditor names a file that must exist: a missing one is not an empty ledger here.
  const ledgerFile = (path: string) => {
    if (!existsSync(path)) throw new UsageError(`no ledger file at ${path}`);
    return readLedgerLines(path);
  };
  if (values.ledger && values.card) {
    const card = readCard(values.card);
    audits = [auditClinic(verifyLedger(card.clinicId, ledgerFile(values.ledger), card.signPublicKey), [])];
  } else if (values.keystore) {
    const keystore = Keystore.open(values.keystore);
    audits = [auditClinic(verifyLedger(keystore.clinicId, ledgerFile(values.ledger ?? join(keystore.dir, LEDGER_FILE)), keystore.card.signPublicKey), [])];
  } else if (values['coordinator-url']) {
    const base = coordinatorUrl(values);
    const headers = auditorHeaders(values);
    const clinics = values['clinic-id']
      ? [values['clinic-id']]
      : ((await http(endpoint(base, '/audit/clinics'), { headers })) as { clinicId: string }[]).map((c) => c.clinicId);
    audits = [];
    for (const clinicId of clinics) {
      const body = (await http(endpoint(base, `/audit/clinics/${encodeURIComponent(clinicId)}/ledger`), { headers })) as {
        card: unknown;
        entries: unknown[];
        contributions: { studyId: string; round: number }[];
      };
      audits.push(auditClinic(verifyLedger(clinicId, body.entries, cardFromJson(body.card).signPublicKey), body.contributions));
    }
  } else {
    throw new UsageError(
      "cohort audit verify needs --coordinator-url URL (the consortium copy), --ledger FILE --card CARD.json, or --keystore DIR (a clinic's own ledger)",
    );
  }
  for (const audit of audits) {
    print(
      `${audit.clinicId}: ${audit.ok ? 'ok' : 'FAILED'}, ${audit.entries} entries (${audit.spends} spends, ${audit.refusals} refusals), epsilon ${audit.epsilon} of cap ${audit.capEpsilon ?? '-'} at delta ${audit.delta ?? '-'}`,
    );
    for (const problem of audit.problems) print(`  ${problem}`);
  }
  const ok = audits.every((a) => a.ok);
  print(
    ok
      ? `verified: ${audits.length} ledgers, every epsilon recomputed, every chain and signature intact`
      : `verification FAILED for ${audits
          .filter((a) => !a.ok)
          .map((a) => a.clinicId)
          .join(', ')}`,
  );
  if (values.json) print(JSON.stringify({ ok, clinics: audits }));
  return ok ? 0 : 1;
}

async function report(args: string[], write: (text: string) => void = (text) => void process.stdout.write(text)): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort audit report',
    usage: REPORT_USAGE,
    options: { ...COORDINATOR_URL_FLAGS, ...tokenOptions('auditor-token'), format: { type: 'string' }, json: { type: 'boolean' } },
  });
  const url = coordinatorUrl(values);
  if (values.json && values.format !== undefined && values.format !== 'json')
    throw new UsageError(`--json is --format json; got --format ${values.format} too`);
  const format = values.json ? 'json' : (values.format ?? 'table');
  if (format !== 'table' && !REPORT_FORMATS.includes(format as ReportFormat)) {
    throw new UsageError(`--format must be table, ${REPORT_FORMATS.join(', ')}; got "${format}"`, REPORT_USAGE);
  }
  const headers = auditorHeaders(values);
  const report = (await http(endpoint(url, '/audit/report?format=json'), { headers })) as PrivacyReport;
  // The formats the coordinator renders come as it rendered them: the CLI and HTTP give the same bytes.
  if (format === 'table') write(`${reportTables(report)}\n`);
  else if (format === 'json') write(`${JSON.stringify(report, null, 2)}\n`);
  else write((await http(endpoint(url, `/audit/report?format=${format}`), { headers })) as string);
  return report.clinics.every((c) => c.verified) ? 0 : 1;
}

/** The report as two terminal tables: clinics, then each clinic's part in each study. */
function reportTables(report: PrivacyReport): string {
  const fixed = (x: number | null) => (x === null ? '-' : String(Number(x.toPrecision(8))));
  const clinics = table([
    ['clinic', 'epsilon', 'cap', 'delta', 'remaining', 'spends', 'refusals', 'verified', 'last entry'],
    ...report.clinics.map((c) => [
      c.clinic,
      fixed(c.epsilon),
      fixed(c.cap),
      c.delta === null ? '-' : String(c.delta),
      fixed(c.remaining),
      String(c.spends),
      String(c.refusals),
      c.verified ? 'yes' : 'NO',
      c.lastEntryAt ?? '-',
    ]),
  ]);
  if (report.studies.length === 0) return `${clinics}\n\nno ledger entries for any study yet`;
  const studies = table([
    ['study', 'name', 'clinic', 'epsilon', 'delta', 'spends', 'refusals', 'last entry'],
    ...report.studies.map((s) => [
      s.study,
      s.studyName ?? '-',
      s.clinic,
      fixed(s.epsilon),
      String(s.delta),
      String(s.spends),
      String(s.refusals),
      s.lastEntryAt,
    ]),
  ]);
  return `${clinics}\n\nby study (a clinic's total is not the sum: its spends are composed together)\n${studies}`;
}

function auditorHeaders(values: Record<string, unknown>): Record<string, string> {
  const token = tokenFrom(values, 'auditor-token', 'COHORT_AUDITOR_TOKEN');
  if (!token) throw new UsageError("--auditor-token-file F (or COHORT_AUDITOR_TOKEN) is required to read the coordinator's ledgers");
  return { authorization: `Bearer ${token}` };
}
