/**
 * `cohort clinic ...`: the operator admits clinics to the consortium and removes them. A clinic's
 * calls are refused unless its identity (the card `cohort keys init` printed) is enrolled and not
 * revoked; every call it makes is signed with that identity.
 */
import { cardToJson, fingerprint } from '../../crypto/index.js';
import { readCard } from '../card-file.js';
import { runSubcommand, type Command } from '../command.js';
import { parseFlags, requireFlag } from '../flags.js';
import { bearer, endpoint, http, table } from '../http-helpers.js';

export const CLINIC_ENROL_USAGE = `  cohort clinic enrol --coordinator-url URL --card FILE [--operator-token T]
                                                         admit a clinic by its card (token default: COHORT_OPERATOR_TOKEN)`;
const REVOKE_USAGE = `  cohort clinic revoke --coordinator-url URL --clinic-id ID --reason TEXT [--operator-token T]
                                                         refuse the clinic's calls from now on (its ledger stays audited)`;
const LIST_USAGE = `  cohort clinic list --coordinator-url URL [--token T]   every enrolment, revoked ones included`;
const USAGE = [CLINIC_ENROL_USAGE, REVOKE_USAGE, LIST_USAGE].join('\n');

type Print = (line: string) => void;
const toStdout: Print = (line) => console.log(line);

export const clinicCommand: Command = {
  name: 'clinic',
  summary: 'enrol|revoke|list: the operator admits and removes clinics',
  usage: USAGE,
  run: (args) => runSubcommand('clinic', USAGE, { enrol: (rest) => enrolClinic(rest), revoke, list }, args, { enroll: 'enrol' }),
};

function operatorToken(values: { 'operator-token'?: string }, what: string): RequestInit {
  return bearer(values['operator-token'] ?? process.env['COHORT_OPERATOR_TOKEN'], `--operator-token (or COHORT_OPERATOR_TOKEN) is required to ${what}`);
}

/** `cohort clinic enrol` (also `cohort keys enrol`, whose usage `command` names). */
export async function enrolClinic(args: string[], print: Print = toStdout, command = 'cohort clinic enrol'): Promise<number> {
  const values = parseFlags(args, {
    command,
    usage: CLINIC_ENROL_USAGE,
    options: { 'coordinator-url': { type: 'string' }, card: { type: 'string' }, 'operator-token': { type: 'string' } },
  });
  const url = requireFlag(values, 'coordinator-url', 'URL');
  const cardFile = requireFlag(values, 'card', 'FILE');
  const auth = operatorToken(values, 'enrol a clinic');
  const card = readCard(cardFile);
  const result = (await http(endpoint(url, '/clinics/enrolled'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify(cardToJson(card)),
  })) as { clinicId: string; fingerprint: string; created: boolean };
  if (result.fingerprint !== fingerprint(card)) {
    throw new Error(`the coordinator reports fingerprint ${result.fingerprint} for ${card.clinicId}, the card has ${fingerprint(card)}`);
  }
  print(
    result.created
      ? `enrolled ${result.clinicId}, fingerprint ${result.fingerprint}`
      : `${result.clinicId} was already enrolled with these keys, fingerprint ${result.fingerprint}`,
  );
  return 0;
}

async function revoke(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort clinic revoke',
    usage: REVOKE_USAGE,
    options: { 'coordinator-url': { type: 'string' }, 'clinic-id': { type: 'string' }, reason: { type: 'string' }, 'operator-token': { type: 'string' } },
  });
  const url = requireFlag(values, 'coordinator-url', 'URL');
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
}

async function list(args: string[], print: Print = toStdout): Promise<number> {
  const values = parseFlags(args, {
    command: 'cohort clinic list',
    usage: LIST_USAGE,
    options: { 'coordinator-url': { type: 'string' }, token: { type: 'string' } },
  });
  const url = requireFlag(values, 'coordinator-url', 'URL');
  const token = values.token ?? process.env['COHORT_OPERATOR_TOKEN'];
  const auth = bearer(token, 'listing clinics needs the operator or auditor token: --token (or COHORT_OPERATOR_TOKEN)');
  const rows = (await http(endpoint(url, '/clinics'), auth)) as Enrolment[];
  const status = (r: Enrolment) => (r.revokedAt ? `revoked ${r.revokedAt}: ${r.revocationReason ?? ''}` : 'active');
  print(table([['clinic', 'fingerprint', 'enrolled', 'status'], ...rows.map((r) => [r.clinicId, r.fingerprint, r.enrolledAt, status(r)])]));
  return 0;
}
