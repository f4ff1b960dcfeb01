/**
 * `cohort keys ...`: key custody for encrypted studies (privacy `he`), in the order it happens.
 *
 *   at each clinic, once:   keys init     creates the clinic's keystore and card
 *   at the operator:        clinic enrol  enrols a clinic's card at the coordinator (operator token; `keys enrol` too)
 *   at clinics (optional):  keys pin      pins a peer's card received out of band, before any ceremony
 *   at one clinic a study:  keys generate the key ceremony: a study key sealed to every enrolled clinic
 *   at the other clinics:   keys fetch    receives the study key (nodes also do this themselves)
 *   at the operator:        keys status   who holds a study's key
 *
 * Nothing here prints secret key material: identities and study keys stay in the keystore.
 */
import { join } from 'node:path';
import { FederationClient } from '../../clinic-node/client/federation-client.js';
import { generateStudyKey, Keystore, obtainStudyKey } from '../../clinic-node/keys/index.js';
import { cardToJson, equalBytes, fingerprint, IdentityError, type ClinicCard } from '../../crypto/index.js';
import { readCard } from '../card-file.js';
import { runSubcommand, type Command } from '../command.js';
import { clientCredentials, CLIENT_TLS_USAGE, TLS_FLAGS } from '../connection-flags.js';
import { parseFlags, requireFlag } from '../flags.js';
import { bearer, endpoint, http, table, coordinatorUrl, COORDINATOR_URL_FLAGS } from '../http-helpers.js';
import { tokenFrom, tokenOptions } from '../token-flags.js';
import { enrolClinic } from './clinic.js';

const INIT_USAGE = `  cohort keys init --keystore DIR --clinic-id ID         create a clinic's keystore; prints its card and fingerprint`;
const CARD_USAGE = `  cohort keys card --keystore DIR                        print the clinic's card (public; for the operator)`;
const PIN_USAGE = `  cohort keys pin --keystore DIR --card FILE             pin a peer clinic's card received out of band`;
const ENROL_USAGE = `  cohort keys enrol ...                                  the same as cohort clinic enrol`;
const GENERATE_USAGE = `  cohort keys generate --keystore DIR --coordinator HOST:PORT --study-id ID ${CLIENT_TLS_USAGE}
                                                         key ceremony: seal a new study key to every enrolled clinic`;
const FETCH_USAGE = `  cohort keys fetch --keystore DIR --coordinator HOST:PORT --study-id ID ${CLIENT_TLS_USAGE}
                                                         receive the study key sealed to this clinic`;
const STATUS_USAGE = `  cohort keys status --coordinator-url URL [--tls-ca ca.pem] --study-id ID [--token-file F]
                                                         which clinics hold the study's key (operator or auditor token,
                                                         default COHORT_OPERATOR_TOKEN; --token T also works, but ps shows it)`;
const USAGE = [INIT_USAGE, CARD_USAGE, PIN_USAGE, ENROL_USAGE, GENERATE_USAGE, FETCH_USAGE, STATUS_USAGE].join('\n');

/** Flags renamed for one spelling across commands: a study's id is --study-id, as a clinic's is --clinic-id. */
const STUDY_ID_RENAMED = { study: 'study-id' } as const;

type Print = (line: string) => void;
const print: Print = (line) => console.log(line);

export const keysCommand: Command = {
  name: 'keys',
  summary: 'init|card|pin|enrol|generate|fetch|status: key custody for encrypted studies',
  usage: USAGE,
  run: (args) =>
    runSubcommand(
      'keys',
      USAGE,
      {
        init,
        card,
        pin,
        // The operator's `cohort clinic enrol`, kept here beside the ceremony it precedes.
        enrol: (rest) => enrolClinic(rest, print, 'cohort keys enrol'),
        generate,
        fetch: fetchKey,
        status,
      },
      args,
      { enroll: 'enrol' },
    ),
};

/** The parsed flags of a keys subcommand. */
function keysFlags<O extends Parameters<typeof parseFlags>[1]['options']>(args: string[], sub: string, usage: string, options: O) {
  return parseFlags(args, { command: `cohort keys ${sub}`, usage, options, renamed: STUDY_ID_RENAMED as Record<string, keyof O & string> });
}

// ---- at the clinic: the keystore -----------------------------------------------------------------

function init(args: string[]): number {
  const values = keysFlags(args, 'init', INIT_USAGE, { keystore: { type: 'string' }, 'clinic-id': { type: 'string' } });
  const keystoreDir = requireFlag(values, 'keystore', 'DIR');
  const keystore = Keystore.create(keystoreDir, requireFlag(values, 'clinic-id', 'ID'));
  print(`clinic ${keystore.clinicId}: identity created in ${keystore.dir} (identity.json holds private keys: it never leaves this machine)`);
  print(JSON.stringify(cardToJson(keystore.card), null, 2));
  print(`fingerprint ${fingerprint(keystore.card)}`);
  print(`next: send ${join(keystore.dir, 'card.json')} to the coordinator's operator to enrol this clinic, and confirm the`);
  print(`fingerprint with them over another channel (telephone, letter) before they enrol it.`);
  return 0;
}

function card(args: string[]): number {
  const values = keysFlags(args, 'card', CARD_USAGE, { keystore: { type: 'string' } });
  print(JSON.stringify(cardToJson(Keystore.open(requireFlag(values, 'keystore', 'DIR')).card), null, 2));
  return 0;
}

function pin(args: string[]): number {
  const values = keysFlags(args, 'pin', PIN_USAGE, { keystore: { type: 'string' }, card: { type: 'string' } });
  const keystoreDir = requireFlag(values, 'keystore', 'DIR');
  const cardFile = requireFlag(values, 'card', 'FILE');
  const keystore = Keystore.open(keystoreDir);
  const peer = readCard(cardFile);
  const known = peer.clinicId === keystore.clinicId ? keystore.card : keystore.pinned(peer.clinicId);
  if (known && !sameKeys(known, peer)) {
    throw new IdentityError(
      `${peer.clinicId} is already ${peer.clinicId === keystore.clinicId ? "this keystore's own identity" : 'pinned'} with fingerprint ${fingerprint(known)}; ` +
        `${cardFile} has other keys (${fingerprint(peer)}): refusing to pin it`,
    );
  }
  if (peer.clinicId === keystore.clinicId) {
    print(`${peer.clinicId} is this keystore's own card, fingerprint ${fingerprint(peer)}: nothing to pin`);
  } else if (keystore.trust(peer)) {
    print(`pinned ${peer.clinicId}, fingerprint ${fingerprint(peer)}`);
  } else {
    print(`${peer.clinicId} was already pinned with these keys, fingerprint ${fingerprint(peer)}`);
  }
  return 0;
}

// ---- at the operator: enrolment and status over HTTP ---------------------------------------------

interface KeyStatus {
  studyId: string;
  keyId: string | null;
  parameterSet: string | null;
  generatedBy: string | null;
  holders: { clinicId: string; sealedBy: string; at: string }[];
}

async function status(args: string[]): Promise<number> {
  const values = keysFlags(args, 'status', STATUS_USAGE, { ...COORDINATOR_URL_FLAGS, 'study-id': { type: 'string' }, ...tokenOptions('token') });
  const url = coordinatorUrl(values);
  const study = encodeURIComponent(requireFlag(values, 'study-id', 'ID'));
  const init = bearer(
    tokenFrom(values, 'token', 'COHORT_OPERATOR_TOKEN'),
    'reading key status needs the operator or auditor token: --token-file F (or COHORT_OPERATOR_TOKEN)',
  );
  const keys = (await http(endpoint(url, `/studies/${study}/keys`), init)) as KeyStatus;
  const enrolled = ((await http(endpoint(url, '/clinics/enrolled'), init)) as { clinicId: string }[]).map((c) => c.clinicId);
  if (!keys.keyId) {
    print(`study ${keys.studyId}: no key yet (one clinic runs \`cohort keys generate\`); ${enrolled.length} clinics enrolled`);
    return 0;
  }
  print(`study ${keys.studyId}: key ${keys.keyId} (${keys.parameterSet}), generated by ${keys.generatedBy}, held by ${keys.holders.length} clinics`);
  print(table([['clinic', 'sealed by', 'at'], ...keys.holders.map((h) => [h.clinicId, h.sealedBy, h.at])]));
  const holders = new Set(keys.holders.map((h) => h.clinicId));
  const without = enrolled.filter((id) => !holders.has(id));
  if (without.length > 0) print(`enrolled without this key (enrolled after the ceremony; rounds will not ask them): ${without.join(', ')}`);
  return 0;
}

// ---- at the clinic: the key ceremony over gRPC ---------------------------------------------------

/** The flags of `keys generate` and `keys fetch`: the keystore, the coordinator's gRPC address, the study, TLS. */
function ceremonyFlags(args: string[], sub: string, usage: string) {
  const values = keysFlags(args, sub, usage, { keystore: { type: 'string' }, coordinator: { type: 'string' }, 'study-id': { type: 'string' }, ...TLS_FLAGS });
  const keystoreDir = requireFlag(values, 'keystore', 'DIR');
  const coordinator = requireFlag(values, 'coordinator', 'HOST:PORT');
  const studyId = requireFlag(values, 'study-id', 'ID');
  return { values: { ...values, coordinator }, keystore: Keystore.open(keystoreDir), studyId };
}

async function generate(args: string[]): Promise<number> {
  const { values, keystore, studyId } = ceremonyFlags(args, 'generate', GENERATE_USAGE);
  const result = await withClient(values, keystore, (client) => generateStudyKey(client, keystore, studyId));
  print(
    `study ${result.studyId}: key ${result.keyId} (parameter set ${result.parameterSet}) generated by ${keystore.clinicId}, sealed to ${result.recipients.length} clinics:`,
  );
  const rows = result.recipients.map((r) => [
    r.clinicId,
    r.fingerprint,
    r.clinicId === keystore.clinicId ? '(this clinic)' : r.firstUse ? '(pinned now: check this fingerprint with that clinic)' : '(matches the pinned card)',
  ]);
  print(indent(table(rows)));
  return 0;
}

async function fetchKey(args: string[]): Promise<number> {
  const { values, keystore, studyId } = ceremonyFlags(args, 'fetch', FETCH_USAGE);
  const held = keystore.studyKey(studyId);
  if (held) {
    print(`study ${held.studyId}: key ${held.keyId} (parameter set ${held.parameterSet}) is already in ${keystore.dir}`);
    return 0;
  }
  const before = new Set(keystore.pinnedClinics());
  const key = await withClient(values, keystore, (client) => obtainStudyKey(client, keystore, studyId));
  print(`study ${key.studyId}: key ${key.keyId} (parameter set ${key.parameterSet}) received and stored in ${keystore.dir}`);
  // The sender's card, if this clinic had not seen it before, was pinned on first use.
  for (const clinicId of keystore.pinnedClinics().filter((id) => !before.has(id))) {
    const sender = keystore.pinned(clinicId)!;
    print(`  sealed by ${clinicId}, fingerprint ${fingerprint(sender)} (pinned now: check this fingerprint with that clinic)`);
  }
  return 0;
}

/** Runs gRPC calls, signed by the keystore's identity, on one client; a refusal becomes an error carrying the coordinator's own words. */
async function withClient<T>(
  values: { coordinator: string } & Parameters<typeof clientCredentials>[0],
  keystore: Keystore,
  run: (client: FederationClient) => Promise<T>,
): Promise<T> {
  const address = values.coordinator;
  const client = new FederationClient(address, { identity: keystore.identity, credentials: clientCredentials(values) });
  try {
    return await run(client);
  } catch (error) {
    const { code, details } = error as { code?: unknown; details?: unknown };
    if (typeof code === 'number' && typeof details === 'string') {
      // 14 = UNAVAILABLE: nothing answered at that address.
      const said = details.replace(/\.?\s*Resolution note:\s*$/, '');
      throw new Error(code === 14 ? `cannot reach the coordinator at ${address}: ${said}` : `the coordinator at ${address} refused: ${said}`, { cause: error });
    }
    throw error;
  } finally {
    client.close();
  }
}

// ---- helpers -------------------------------------------------------------------------------------

function sameKeys(a: ClinicCard, b: ClinicCard): boolean {
  return equalBytes(a.signPublicKey, b.signPublicKey) && equalBytes(a.boxPublicKey, b.boxPublicKey);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
