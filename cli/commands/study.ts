/**
 * `cohort study list|show|pause|resume|cancel`: what an operator does to the coordinator's studies
 * over its HTTP API. A study is named by its id or its name. Reads take the operator's or an
 * auditor's token; pause, resume and cancel the operator's.
 *
 * ```sh
 * cohort study list --coordinator-url https://coordinator:8080 --token-file auditor.token
 * cohort study pause "heart fedadam" --coordinator-url https://coordinator:8080 --operator-token-file operator.token
 * ```
 */
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, UsageError } from '../flags.js';
import { bearer, endpoint, http, table, coordinatorUrl, COORDINATOR_URL_FLAGS } from '../http-helpers.js';
import { tokenFrom, tokenOptions } from '../token-flags.js';

const LIST_USAGE = `  cohort study list --coordinator-url URL [--tls-ca ca.pem] [--token-file F] [--json]
                                                         every study with its status and rounds done`;
const SHOW_USAGE = `  cohort study show ID|NAME --coordinator-url URL [--tls-ca ca.pem] [--token-file F] [--json]
                                                         a study's effective settings and its rounds`;
const CHANGE_USAGE = `  cohort study pause|resume|cancel ID|NAME --coordinator-url URL [--tls-ca ca.pem] [--operator-token-file F]
                                                         pause: the open round closes, no next one opens until resume;
                                                         cancel: for good, the open round ends without a model version`;
const TOKEN_NOTE = `  Reads take the operator or auditor token (--token-file, default COHORT_OPERATOR_TOKEN, else COHORT_AUDITOR_TOKEN);
  pause, resume and cancel the operator token (--operator-token-file, default COHORT_OPERATOR_TOKEN).`;
const USAGE = [LIST_USAGE, SHOW_USAGE, CHANGE_USAGE, TOKEN_NOTE].join('\n');

type Print = (line: string) => void;
const toStdout: Print = (line) => console.log(line);

export const studyCommand: Command = {
  name: 'study',
  summary: "list|show|pause|resume|cancel: the coordinator's studies, for operators",
  usage: USAGE,
  run: (args) =>
    runSubcommand(
      'study',
      USAGE,
      {
        list: (rest) => list(rest),
        show: (rest) => show(rest),
        pause: (rest) => change(rest, 'pause'),
        resume: (rest) => change(rest, 'resume'),
        cancel: (rest) => change(rest, 'cancel'),
      },
      args,
    ),
};

/** A study as GET /studies lists it. */
interface StudySummary {
  id: string;
  name: string;
  dataset: string;
  status: string;
  rounds: number;
  createdAt: string;
}

/** The parts of GET /studies/:id this command prints. */
interface StudyDetail extends StudySummary {
  error: string | null;
  privacy: string;
  strategy: { name: string };
  model: { architecture: string; numParameters: number };
  quorum: number;
  minClinics: number;
  roundTimeoutS: number;
  dp: { targetEpsilon: number; delta: number } | null;
  finishedAt: string | null;
  roundHistory: { number: number; status: string; outcome: string | null; updates: unknown[]; refusals: unknown[] }[];
}

function readerAuth(values: Record<string, unknown>): RequestInit {
  const token = tokenFrom(values, 'token', 'COHORT_OPERATOR_TOKEN') ?? (process.env['COHORT_AUDITOR_TOKEN'] || undefined);
  return bearer(token, 'reading studies needs the operator or auditor token: --token-file F (or COHORT_OPERATOR_TOKEN / COHORT_AUDITOR_TOKEN)');
}

const READ_OPTIONS = { ...COORDINATOR_URL_FLAGS, ...tokenOptions('token'), json: { type: 'boolean' } } as const;

async function list(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, { command: 'cohort study list', usage: LIST_USAGE, options: READ_OPTIONS });
  const url = coordinatorUrl(values);
  const studies = (await http(endpoint(url, '/studies'), readerAuth(values))) as StudySummary[];
  if (values.json) {
    print(JSON.stringify(studies, null, 2));
    return 0;
  }
  if (studies.length === 0) {
    print('no studies');
    return 0;
  }
  print(
    table([
      ['id', 'name', 'dataset', 'status', 'rounds', 'created'],
      ...studies.map((s) => [s.id, s.name, s.dataset, s.status, String(s.rounds), s.createdAt]),
    ]),
  );
  return 0;
}

async function show(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, { command: 'cohort study show', usage: SHOW_USAGE, options: READ_OPTIONS, positionals: true });
  const url = coordinatorUrl(values);
  const auth = readerAuth(values);
  const id = await resolveStudy(url, studyArgument(values.positionals, SHOW_USAGE), auth);
  const detail = (await http(endpoint(url, `/studies/${encodeURIComponent(id)}`), auth)) as StudyDetail;
  print(values.json ? JSON.stringify(detail, null, 2) : describeStudy(detail));
  return 0;
}

async function change(args: string[], action: 'pause' | 'resume' | 'cancel', print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: `cohort study ${action}`,
    usage: CHANGE_USAGE,
    options: { ...COORDINATOR_URL_FLAGS, ...tokenOptions('operator-token') },
    positionals: true,
  });
  const url = coordinatorUrl(values);
  const auth = bearer(
    tokenFrom(values, 'operator-token', 'COHORT_OPERATOR_TOKEN'),
    `--operator-token-file F (or COHORT_OPERATOR_TOKEN) is required to ${action} a study`,
  );
  const id = await resolveStudy(url, studyArgument(values.positionals, CHANGE_USAGE), auth);
  const detail = (await http(endpoint(url, `/studies/${encodeURIComponent(id)}/${action}`), { ...auth, method: 'POST' })) as StudyDetail;
  print(`study ${detail.id} "${detail.name}": ${detail.status}`);
  return 0;
}

function studyArgument(positionals: string[], usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`name one study, by its id or its name (got ${positionals.length})`, usage);
  return positionals[0]!;
}

/** The id of the study `given` names: its id, or else the one study of that name. */
async function resolveStudy(url: string, given: string, auth: RequestInit): Promise<string> {
  const studies = (await http(endpoint(url, '/studies'), auth)) as StudySummary[];
  if (studies.some((s) => s.id === given)) return given;
  const named = studies.filter((s) => s.name === given);
  if (named.length === 1) return named[0]!.id;
  if (named.length > 1) throw new UsageError(`${named.length} studies are named "${given}": name one by its id (${named.map((s) => s.id).join(', ')})`);
  throw new UsageError(`no study has the id or name "${given}" (cohort study list shows them)`);
}

/** A study's effective settings and rounds, as `show` prints them. */
export function describeStudy(study: StudyDetail): string {
  const done = study.roundHistory.filter((r) => r.status === 'closed').length;
  const lines = [
    `study ${study.id} "${study.name}": ${study.status}${study.error ? ` (${study.error})` : ''}`,
    `  dataset ${study.dataset}, model ${study.model.architecture} (${study.model.numParameters} parameters), strategy ${study.strategy.name}`,
    `  privacy ${study.privacy}${study.dp ? ` (target epsilon ${study.dp.targetEpsilon}, delta ${study.dp.delta})` : ''}`,
    `  rounds ${done} of ${study.rounds} closed; quorum ${study.quorum}, round 1 waits for ${study.minClinics} clinics, rounds time out after ${study.roundTimeoutS} s`,
    `  created ${study.createdAt}${study.finishedAt ? `, ended ${study.finishedAt}` : ''}`,
  ];
  if (study.roundHistory.length > 0) {
    lines.push(
      table([
        ['round', 'status', 'updates', 'refusals', 'outcome'],
        ...study.roundHistory.map((r) => [String(r.number), r.status, String(r.updates.length), String(r.refusals.length), r.outcome ?? '']),
      ])
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n'),
    );
  }
  return lines.join('\n');
}
