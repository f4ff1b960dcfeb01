/**
 * `cohort clinic ...`: the operator admits clinics to the consortium and removes them. A clinic's
 * calls are refused unless its identity (the card `cohort keys init` printed) is enrolled and not
 * revoked; every call it makes is signed with that identity.
 */
import { cardToJson, fingerprint } from '../crypto/index.js';
import { bearer, endpoint, flags, http, table } from './http-helpers.js';
import { readCard } from './keys-command.js';
import { UsageError } from './study-flags.js';

export const CLINIC_USAGE = `  cohort clinic enrol --coordinator-url URL --card FILE [--operator-token T]
                                                         admit a clinic by its card (token default: COHORT_OPERATOR_TOKEN)
  cohort clinic revoke --coordinator-url URL --clinic-id ID --reason TEXT [--operator-token T]
                                                         refuse the clinic's calls from now on (its ledger stays audited)
  cohort clinic list --coordinator-url URL [--token T]   every enrolment, revoked ones included`;

type Print = (line: string) => void;

export async function clinicCommand(args: string[], print: Print = (line) => console.log(line)): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'enrol':
    case 'enroll':
      return enrolClinic(rest, print);
    case 'revoke':
      return revoke(rest, print);
    case 'list':
      return list(rest, print);
    case undefined:
      throw new UsageError('cohort clinic needs a subcommand: enrol, revoke or list');
    default:
      throw new UsageError(`unknown clinic subcommand "${sub}" (enrol, revoke, list)`);
  }
}

const OPERATOR = { 'operator-token': { type: 'string' } } as const;

function operatorToken(values: { 'operator-token'?: string }, what: string): RequestInit {
  return bearer(values['operator-token'] ?? process.env['COHORT_OPERATOR_TOKEN'], `--operator-token (or COHORT_OPERATOR_TOKEN) is required to ${what}`);
}

export async function enrolClinic(args: string[], print: Print): Promise<number> {
  const values = flags(args, { 'coordinator-url': 'URL', card: 'FILE' }, OPERATOR);
  const auth = operatorToken(values, 'enrol a clinic');
  const card = readCard(values.card);
  const result = (await http(endpoint(values['coordinator-url'], '/clinics/enrolled'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify(cardToJson(card)),
  })) as { clinicId: string; fingerprint: string; created: boolean };
  if (result.fingerprint !== fingerprint(card)) {
    throw new Error(`the coordinator reports fingerprint ${result.fingerprint} for ${card.clinicId}, the card has ${fingerprint(card)}`);
  }
  print(result.created ? `enrolled ${result.clinicId}, fingerprint ${result.fingerprint}` : `${result.clinicId} was already enrolled with these keys, fingerprint ${result.fingerprint}`);
  return 0;
}

async function revoke(args: string[], print: Print): Promise<number> {
  const values = flags(args, { 'coordinator-url': 'URL', 'clinic-id': 'ID', reason: 'TEXT' }, OPERATOR);
  const auth = operatorToken(values, 'revoke a clinic');
  const result = (await http(endpoint(values['coordinator-url'], `/clinics/${encodeURIComponent(values['clinic-id'])}/revoke`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.headers },
    body: JSON.stringify({ reason: values.reason }),
  })) as { clinicId: string; fingerprint: string; revokedAt: string };
  print(`revoked ${result.clinicId} (fingerprint ${result.fingerprint}) at ${result.revokedAt}: its calls are refused from now on`);
  return 0;
}

async function list(args: string[], print: Print): Promise<number> {
  const values = flags(args, { 'coordinator-url': 'URL' }, { token: { type: 'string' } });
  const auth = bearer(values.token ?? process.env['COHORT_OPERATOR_TOKEN'], 'listing clinics needs the operator or auditor token: --token (or COHORT_OPERATOR_TOKEN)');
  const rows = (await http(endpoint(values['coordinator-url'], '/clinics'), auth)) as { clinicId: string; fingerprint: string; enrolledAt: string; revokedAt: string | null; revocationReason: string | null }[];
  print(table([['clinic', 'fingerprint', 'enrolled', 'status'], ...rows.map((r) => [r.clinicId, r.fingerprint, r.enrolledAt, r.revokedAt ? `revoked ${r.revokedAt}: ${r.revocationReason ?? ''}` : 'active'])]));
  return 0;
}
