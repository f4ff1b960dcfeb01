/**
 * The auditor's privacy report: every clinic's budget and its spend per study, as JSON, CSV or
 * Markdown, each column explained in plain language. Pure: the coordinator serves it
 * (`GET /audit/report?format=...`) and `cohort audit report --format ...` prints the same.
 *
 * ```ts
 * const report = await ledger.report();          // LedgerService
 * process.stdout.write(renderReport(report, 'markdown'));
 * ```
 */

/** A clinic's whole budget, over every study. */
export interface ClinicReportRow {
  clinic: string;
  epsilon: number;
  cap: number | null;
  delta: number | null;
  remaining: number | null;
  spends: number;
  refusals: number;
  verified: boolean;
  lastEntryAt: string | null;
  /** Why the stored copy does not verify (empty when it does). */
  problems: string[];
}

/** One clinic's part in one study. */
export interface StudyReportRow {
  study: string;
  /** The study's name, or null for a study this coordinator does not hold. */
  studyName: string | null;
  clinic: string;
  epsilon: number;
  delta: number;
  spends: number;
  refusals: number;
  firstEntryAt: string;
  lastEntryAt: string;
}

export interface PrivacyReport {
  generatedAt: string;
  clinics: ClinicReportRow[];
  studies: StudyReportRow[];
}

export type ReportFormat = 'json' | 'csv' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['json', 'csv', 'markdown'];

/** What epsilon and delta mean, for a reader who is not a privacy researcher. */
export const ABOUT_EPSILON_AND_DELTA =
  "Epsilon measures how much a model trained with a clinic's data can reveal about any one of its patients: " +
  'whatever anyone concludes from everything the clinic released, the chance of that conclusion changes by at most a factor of e^epsilon ' +
  "whether or not one patient's record was used (epsilon 1: at most about 2.7 times; smaller is more private). " +
  'Delta is the small probability that this guarantee does not hold; it should be far below one in the number of patients. ' +
  'Each clinic sets its own cap on its total epsilon over every study, and its signed ledger records every round it trained (a spend) or declined (a refusal).';

/** Each column, in plain language: the JSON `columns`, the Markdown legend. */
export const CLINIC_COLUMNS: Readonly<Record<keyof Omit<ClinicReportRow, 'problems'>, string>> = {
  clinic: 'the clinic, as enrolled',
  epsilon: "the clinic's total privacy loss so far, over every study, as its accountant composes its spends",
  cap: 'the most total epsilon the clinic allows itself; its node refuses any round that would pass it',
  delta: 'the probability, fixed by the clinic, at which its epsilons are stated',
  remaining: 'cap minus epsilon: what the clinic may still spend',
  spends: 'rounds the clinic trained and released an update for',
  refusals: 'rounds the clinic declined, each with its reason in the ledger',
  verified: "whether the coordinator's stored copy of the ledger verifies: signatures, hash chain and every epsilon recomputed",
  lastEntryAt: 'when the clinic wrote its latest ledger entry',
};

export const STUDY_COLUMNS: Readonly<Record<keyof StudyReportRow, string>> = {
  study: 'the study id',
  studyName: "the study's name",
  clinic: 'the clinic',
  epsilon:
    "the privacy loss of this study's rounds alone; the clinic's total is not the sum of these: its accountant composes all its spends together, which usually costs less than adding them",
  delta: 'the probability at which that epsilon is stated',
  spends: 'rounds of this study the clinic trained',
  refusals: 'rounds of this study the clinic declined',
  firstEntryAt: "the clinic's first ledger entry for this study",
  lastEntryAt: "the clinic's latest ledger entry for this study",
};

/** The report in `format`, ending with a newline. */
export function renderReport(report: PrivacyReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify({ ...report, about: ABOUT_EPSILON_AND_DELTA, columns: { clinics: CLINIC_COLUMNS, studies: STUDY_COLUMNS } }, null, 2)}\n`;
    case 'csv':
      return reportCsv(report);
    case 'markdown':
      return reportMarkdown(report);
  }
}

/**
 * One CSV table: a row per clinic (`scope` clinic, its whole budget) and a row per clinic and study
 * (`scope` study), so a spreadsheet can filter either. RFC 4180 quoting.
 */
function reportCsv(report: PrivacyReport): string {
  const header = [
    'scope',
    'clinic',
    'study',
    'study_name',
    'epsilon',
    'cap',
    'delta',
    'remaining',
    'spends',
    'refusals',
    'verified',
    'first_entry_at',
    'last_entry_at',
  ];
  const rows: unknown[][] = [
    ...report.clinics.map((c) => ['clinic', c.clinic, '', '', c.epsilon, c.cap, c.delta, c.remaining, c.spends, c.refusals, c.verified, '', c.lastEntryAt]),
    ...report.studies.map((s) => [
      'study',
      s.clinic,
      s.study,
      s.studyName,
      s.epsilon,
      '',
      s.delta,
      '',
      s.spends,
      s.refusals,
      '',
      s.firstEntryAt,
      s.lastEntryAt,
    ]),
  ];
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function reportMarkdown(report: PrivacyReport): string {
  const clinicRows = report.clinics.map((c) => [
    c.clinic,
    number(c.epsilon),
    number(c.cap),
    c.delta === null ? '-' : String(c.delta),
    number(c.remaining),
    String(c.spends),
    String(c.refusals),
    c.verified ? 'yes' : `**NO**: ${c.problems.join('; ')}`,
    c.lastEntryAt ?? '-',
  ]);
  const studyRows = report.studies.map((s) => [
    s.studyName ? `${s.studyName} (${s.study})` : s.study,
    s.clinic,
    number(s.epsilon),
    String(s.delta),
    String(s.spends),
    String(s.refusals),
    s.firstEntryAt,
    s.lastEntryAt,
  ]);
  return [
    '# Privacy report',
    '',
    `Generated ${report.generatedAt} from the coordinator's verified copy of every clinic's signed ledger.`,
    '',
    ABOUT_EPSILON_AND_DELTA,
    '',
    '## Clinics',
    '',
    markdownTable(['clinic', 'epsilon', 'cap', 'delta', 'remaining', 'spends', 'refusals', 'verified', 'last entry'], clinicRows),
    '',
    legend(CLINIC_COLUMNS),
    '',
    '## By study',
    '',
    studyRows.length === 0
      ? 'No clinic has a ledger entry for any study yet.'
      : markdownTable(['study', 'clinic', 'epsilon', 'delta', 'spends', 'refusals', 'first entry', 'last entry'], studyRows),
    '',
    legend(STUDY_COLUMNS),
    '',
  ].join('\n');
}

function number(x: number | null): string {
  return x === null ? '-' : String(Number(x.toPrecision(6)));
}

function markdownTable(header: string[], rows: string[][]): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
}

function legend(columns: Readonly<Record<string, string>>): string {
  return Object.entries(columns)
    .map(([column, meaning]) => `- **${column}**: ${meaning}`)
    .join('\n');
}
