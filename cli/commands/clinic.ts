/**
 * `cohort clinic ...`: the operator admits clinics to the consortium, approves what each holds, and
 * removes them. A clinic's calls are refused unless its identity (the card `cohort keys init`
 * printed) is enrolled and not revoked; every call it makes is signed with that identity. It is asked
 * to train only once the operator approved its site and record counts: its updates' weights can
 * claim no more than that.
 */
import { cardToJson, fingerprint } from '../../crypto/index.js';
import { readCard } from '../card-file.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, requireFlag, UsageError, wholeNumberFlag } from '../flags.js';
import { bearer, endpoint, http, table, coordinatorUrl, COORDINATOR_URL_FLAGS } from '../http-helpers.js';
import { tokenFrom, tokenOptions } from '../token-flags.js';

export const CLINIC_ENROL_USAGE = `  cohort clinic enrol --coordinator-url URL [--tls-ca ca.pem] --card FILE [--site S --num-train N --num-test N [--dataset D]] [--operator-token-file F]
                                                         admit a clinic by its card, approving its site and most records if given
                                                         (token default: COHORT_OPERATOR_TOKEN)`;
const APPROVE_USAGE = `  cohort clinic approve --coordinator-url URL [--tls-ca ca.pem] --clinic-id ID (--site S --num-train N --num-test N [--dataset D] | --declared) [--operator-token-file F]
                                                         approve the site a clinic serves and the most records it may declare,
                                                         or what it registered with (--declared); dataset default fed-heart-disease`;
const REVOKE_USAGE = `  cohort clinic revoke --coordinator-url URL [--tls-ca ca.pem] --clinic-id ID --reason TEXT [--operator-token-file F]
                                                         refuse the clinic's calls from now on (its ledger stays audited)`;
const LIST_USAGE = `  cohort clinic list --coordinator-url URL [--tls-ca ca.pem] [--token-file F]
                                                         every enrolment, revoked ones included (operator or auditor
                                                         token, default COHORT_OPERATOR_TOKEN)`;
const TOKEN_NOTE = `  A token file holds the token alone (mode 600); --operator-token T and --token T also work, but put it where ps shows it.`;
const USAGE = [CLINIC_ENROL_USAGE, APPROVE_USAGE, REVOKE_USAGE, LIST_USAGE, TOKEN_NOTE].join('\n');

type Print = (line: string) => void;
const toStdout: Print = (line) => console.log(line);

export const clinicCommand: Command = {
  name: 'clinic',
  summary: 'enrol|approve|revoke|list: the operator admits clinics, approves what they hold, removes them',
  usage: USAGE,
  run: (args) => runSubcommand('clinic', USAGE, { enrol: (rest) => enrolClinic(rest), approve, revoke, list }, args, { enroll: 'enrol' }),
};

function operatorToken(values: Record<string, unknown>, what: string): RequestInit {
  return bearer(tokenFrom(values, 'operator-token', 'COHORT_OPERATOR_TOKEN'), `--operator-token-file F (or COHORT_OPERATOR_TOKEN) is required to ${what}`);
}

/** `cohort clinic enrol` (also `cohort keys enrol`, whose usage `command` names). */
export async function enrolClinic(args: string[], print: Print = toStdout, command = 'cohort clinic enrol'): Promise<number> {
  const values = parseFlags(args, {
    command,
    usage: CLINIC_ENROL_USAGE,
    options: { ...COORDINATOR_URL_FLAGS, card: { type: 'string' }, ...tokenOptions('operator-token'), ...APPROVAL_FLAGS },
  });
  const url = coordinatorUrl(values);
  const cardFile = requireFlag(values, 'card', 'FILE');
  const approved = values.site !== undefined || values['num-train'] !== undefined || values['num-test'] !== undefined ? approvalOf(values) : undefined;
  const auth = operatorToken(values, 'enrol a clinic');
  const card = readCard(cardFile);
  const result = (await http(endpoint(url, '/clinics/enrolled'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify({ ...cardToJson(card), ...(approved && { approved }) }),
  })) as { clinicId: string; fingerprint: string; created: boolean; approval: ApprovalJson | null };
  if (result.fingerprint !== fingerprint(card)) {
    throw new Error(`the coordinator reports fingerprint ${result.fingerprint} for ${card.clinicId}, the card has ${fingerprint(card)}`);
  }
  print(
    result.created
      ? `enrolled ${result.clinicId}, fingerprint ${result.fingerprint}`
      : `${result.clinicId} was already enrolled with these keys, fingerprint ${result.fingerprint}`,
  );
  print(
    result.approval
      ? approvedLine(result.clinicId, result.approval)
      : `${result.clinicId} is not approved yet: no study asks it to train until cohort clinic approve --clinic-id ${result.clinicId} ...`,
  );
  return 0;
}

const APPROVAL_FLAGS = {
  dataset: { type: 'string' },
  site: { type: 'string' },
  'num-train': { type: 'string' },
  'num-test': { type: 'string' },
} as const;

interface ApprovalJson {
  dataset: string;
  site: string;
  numTrain: number;
  numTest: number;
  source: string;
}

/** The approval the flags give: a site and both record counts, whole numbers. */
function approvalOf(values: { dataset?: string; site?: string; 'num-train'?: string; 'num-test'?: string }) {
  const count = (flag: 'num-train' | 'num-test', least: number) => wholeNumberFlag(flag, requireFlag(values, flag, 'N', ' with --site'), least);
  const site = requireFlag(values, 'site', 'S', ' to approve a clinic (or --declared)');
  return { dataset: values.dataset ?? 'fed-heart-disease', site, numTrain: count('num-train', 1), numTest: count('num-test', 0) };
}

function approvedLine(clinicId: string, approval: ApprovalJson): string {
  const by = approval.source === 'declaration' ? 'as it declared' : 'by the operator';
  return `approved ${clinicId} for ${approval.dataset}/${approval.site}: at most ${approval.numTrain} training and ${approval.numTest} test records (${by})`;
}

async function approve(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort clinic approve',
    usage: APPROVE_USAGE,
    options: {
      ...COORDINATOR_URL_FLAGS,
      'clinic-id': { type: 'string' },
      declared: { type: 'boolean' },
      ...tokenOptions('operator-token'),
      ...APPROVAL_FLAGS,
    },
  });
  const url = coordinatorUrl(values);
  const clinicId = requireFlag(values, 'clinic-id', 'ID');
  const given = values.site !== undefined || values['num-train'] !== undefined || values['num-test'] !== undefined || values.dataset !== undefined;
  if (values.declared && given)
    throw new UsageError('--declared approves what the clinic registered with: give it without --site, --num-train, --num-test, --dataset');
  const body = values.declared ? { declared: true } : approvalOf(values);
  const auth = operatorToken(values, 'approve a clinic');
  const approval = (await http(endpoint(url, `/clinics/${encodeURIComponent(clinicId)}/approve`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify(body),
  })) as ApprovalJson;
  print(approvedLine(clinicId, approval));
  return 0;
}

async function revoke(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort clinic revoke',
    usage: REVOKE_USAGE,
    options: { ...COORDINATOR_URL_FLAGS, 'clinic-id': { type: 'string' }, reason: { type: 'string' }, ...tokenOptions('operator-token') },
  });
  const url = coordinatorUrl(values);
  const clinicId = requireFlag(values, 'clinic-id', 'ID');
  const reason = requireFlag(values, 'reason', 'TEXT');
  const auth = operatorToken(values, 'revoke a clinic');
  const result = (await http(endpoint(url, `/clinics/${encodeURIComponent(clinicId)}/revoke`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify({ reason }),
  })) as { clinicId: string; fingerprint: string; revokedAt: string };
  print(`revoked ${result.clinicId} (fingerprint ${result.fingerprint}) at ${result.revokedAt}: its calls are refused from now on`);
  return 0;
}

interface Enrolment {
  clinicId: string;
  fingerprint: string;
  enrolledAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
  approval: ApprovalJson | null;
}

async function list(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort clinic list',
    usage: LIST_USAGE,
    options: { ...COORDINATOR_URL_FLAGS, ...tokenOptions('token') },
  });
  const url = coordinatorUrl(values);
  const token = tokenFrom(values, 'token', 'COHORT_OPERATOR_TOKEN');
  const auth = bearer(token, 'listing clinics needs the operator or auditor token: --token-file F (or COHORT_OPERATOR_TOKEN)');
  const rows = (await http(endpoint(url, '/clinics'), auth)) as Enrolment[];
  const status = (r: Enrolment) => (r.revokedAt ? `revoked ${r.revokedAt}: ${r.revocationReason ?? ''}` : 'active');
  const approved = (r: Enrolment) => (r.approval ? `${r.approval.site}: ${r.approval.numTrain} train, ${r.approval.numTest} test` : 'not approved');
  print(
    table([
      ['clinic', 'fingerprint', 'enrolled', 'approved for', 'status'],
      ...rows.map((r) => [r.clinicId, r.fingerprint, r.enrolledAt, approved(r), status(r)]),
    ]),
  );
  return 0;
}
