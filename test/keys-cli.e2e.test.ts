import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoordinatorProcess, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { cohort as runCli, ok } from './support/cli-run.js';

// The key ceremony as people run it: each role through the built CLI (npm test builds first), the
// coordinator in its own process over TLS, everything on loopback. The steps below run in order and
// build on one another: keystores, pins, enrolment, the ceremony, key delivery, status. Commands
// trust the coordinator's CA: gRPC ones by --tls-ca, HTTPS ones through NODE_EXTRA_CA_CERTS.
const TOKEN = 'operator-secret-for-tests';

/** The CLI without an operator token from the environment (unless a step sets one), trusting the coordinator's CA. */
const cohort = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(args, { COHORT_OPERATOR_TOKEN: undefined, ...(coordinator && { NODE_EXTRA_CA_CERTS: coordinator.caFile }), ...env });

/** The card JSON a command printed (init prints it between other lines). */
function printedCard(stdout: string): Record<string, string> {
  return JSON.parse(stdout.slice(stdout.indexOf('{'), stdout.lastIndexOf('}') + 1)) as Record<string, string>;
}

let dir: string;
let coordinator: CoordinatorProcess | undefined;
let http: string;
let grpc: string;
let studyId: string;
const keystore = (name: string) => join(dir, name);
const cardFile = (name: string) => join(dir, name, 'card.json');
const fingerprints: Record<string, string> = {};
let keyId: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-keys-'));
  coordinator = await startCoordinatorProcess({
    args: ['--host', '127.0.0.1', '--dataset', 'fed-heart-disease', '--rounds', '1', '--privacy', 'he'],
    db: join(dir, 'coordinator.sqlite'),
    operatorToken: TOKEN,
    env: { ...process.env, COHORT_OPERATOR_TOKEN: undefined },
  });
  http = coordinator.httpUrl;
  // Dialled by name, as clinics dial a coordinator: grpc-js sends the host it dials as the TLS server
  // name, and Node warns on stderr (DEP0123) when that is an IP address.
  grpc = coordinator.grpcAddress.replace(/^127\.0\.0\.1:/, 'localhost:');
  studyId = await coordinator.studyId();
});

afterAll(async () => {
  await coordinator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The TLS flag every gRPC command needs: trust the coordinator's CA. */
const tlsCa = () => ['--tls-ca', coordinator!.caFile];

describe('cohort keys: the key ceremony through the CLI', () => {
  it('init creates a keystore per clinic and prints its card, fingerprint and what to do next', async () => {
    for (const clinic of ['cleveland', 'hungarian']) {
      const stdout = ok(await cohort(['keys', 'init', '--keystore', keystore(clinic), '--clinic-id', clinic]));
      const card = printedCard(stdout);
      expect(card).toEqual(JSON.parse(readFileSync(cardFile(clinic), 'utf8')));
      expect(card['clinicId']).toBe(clinic);
      expect(card['fingerprint']).toMatch(/^([0-9a-f]{4}:){7}[0-9a-f]{4}$/);
      expect(stdout).toContain(`fingerprint ${card['fingerprint']}`);
      expect(stdout).toContain(`send ${cardFile(clinic)} to the coordinator's operator`);
      expect(stdout).not.toContain('SecretKey');
      fingerprints[clinic] = card['fingerprint']!;
      // `keys card` prints the same public card, and only that.
      expect(JSON.parse(ok(await cohort(['keys', 'card', '--keystore', keystore(clinic)])))).toEqual(card);
    }
    const again = await cohort(['keys', 'init', '--keystore', keystore('cleveland'), '--clinic-id', 'cleveland']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds a clinic identity; refusing to replace it');
    const missing = await cohort(['keys', 'init', '--keystore', keystore('x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cohort: --clinic-id ID is required');
  });

  it('pin pins a peer card once and refuses another card under the same clinic id', async () => {
    const pin = (card: string) => cohort(['keys', 'pin', '--keystore', keystore('hungarian'), '--card', card]);
    expect(ok(await pin(cardFile('cleveland')))).toBe(`pinned cleveland, fingerprint ${fingerprints['cleveland']}\n`);
    expect(ok(await pin(cardFile('cleveland')))).toBe(`cleveland was already pinned with these keys, fingerprint ${fingerprints['cleveland']}\n`);
    ok(await cohort(['keys', 'init', '--keystore', keystore('impostor'), '--clinic-id', 'cleveland']));
    const conflict = await pin(cardFile('impostor'));
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(`cleveland is already pinned with fingerprint ${fingerprints['cleveland']}`);
    expect(conflict.stderr).toContain('refusing to pin it');
  });

  it('enrol needs the operator token, then enrols each card once', async () => {
    const enrolled = async () => (await coordinator!.fetchJson<{ clinicId: string }[]>('/clinics/enrolled', TOKEN)).map((c) => c.clinicId);
    const wrong = await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('cleveland'), '--operator-token', 'not-the-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe(
      `cohort: POST ${http}/clinics/enrolled: 401 Unauthorized: POST /clinics/enrolled needs the operator token: Authorization: Bearer <token>\n`,
    );
    // The auditor's token reads, but cannot enrol.
    const auditor = await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('cleveland'), '--operator-token', coordinator!.auditorToken]);
    expect(auditor.code).toBe(1);
    expect(auditor.stderr).toBe(
      `cohort: POST ${http}/clinics/enrolled: 403 Forbidden: the auditor role cannot POST /clinics/enrolled: auditors read, they change nothing\n`,
    );
    const none = await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('cleveland')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--operator-token-file F (or COHORT_OPERATOR_TOKEN) is required');
    expect(await enrolled()).toEqual([]);

    const approve = ['--site', 'cleveland', '--num-train', '199', '--num-test', '104'];
    expect(ok(await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('cleveland'), '--operator-token', TOKEN, ...approve]))).toBe(
      `enrolled cleveland, fingerprint ${fingerprints['cleveland']}\n` +
        'approved cleveland for fed-heart-disease/cleveland: at most 199 training and 104 test records (by the operator)\n',
    );
    // The token from the environment, and a base URL with a trailing slash; approved later.
    expect(ok(await cohort(['keys', 'enrol', '--coordinator-url', `${http}/`, '--card', cardFile('hungarian')], { COHORT_OPERATOR_TOKEN: TOKEN }))).toBe(
      `enrolled hungarian, fingerprint ${fingerprints['hungarian']}\n` +
        'hungarian is not approved yet: no study asks it to train until cohort clinic approve --clinic-id hungarian ...\n',
    );
    const partial = await cohort(['clinic', 'enrol', '--coordinator-url', http, '--card', cardFile('hungarian'), '--site', 'hungarian'], {
      COHORT_OPERATOR_TOKEN: TOKEN,
    });
    expect({ code: partial.code, error: partial.stderr.split('\n')[0] }).toEqual({ code: 2, error: 'cohort: --num-train N is required with --site' });
    expect(
      ok(
        await cohort(
          ['clinic', 'approve', '--coordinator-url', http, '--clinic-id', 'hungarian', '--site', 'hungarian', '--num-train', '172', '--num-test', '89'],
          {
            COHORT_OPERATOR_TOKEN: TOKEN,
          },
        ),
      ),
    ).toBe('approved hungarian for fed-heart-disease/hungarian: at most 172 training and 89 test records (by the operator)\n');
    expect(ok(await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('cleveland'), '--operator-token', TOKEN]))).toBe(
      `cleveland was already enrolled with these keys, fingerprint ${fingerprints['cleveland']}\n` +
        'approved cleveland for fed-heart-disease/cleveland: at most 199 training and 104 test records (by the operator)\n',
    );
    const impostor = await cohort(['keys', 'enrol', '--coordinator-url', http, '--card', cardFile('impostor'), '--operator-token', TOKEN]);
    expect(impostor.code).toBe(1);
    expect(impostor.stderr).toContain(`409 Conflict: clinic cleveland is already enrolled with other keys (${fingerprints['cleveland']})`);
    expect(await enrolled()).toEqual(['cleveland', 'hungarian']);
  });

  it('status before the ceremony says there is no key yet, to the operator and the auditor alike', async () => {
    const noKey = `study ${studyId}: no key yet (one clinic runs \`cohort keys generate\`); 2 clinics enrolled\n`;
    expect(ok(await cohort(['keys', 'status', '--coordinator-url', http, '--study-id', studyId, '--token', TOKEN]))).toBe(noKey);
    expect(ok(await cohort(['keys', 'status', '--coordinator-url', http, '--study-id', studyId, '--token', coordinator!.auditorToken]))).toBe(noKey);
    expect(ok(await cohort(['keys', 'status', '--coordinator-url', http, '--study-id', studyId], { COHORT_OPERATOR_TOKEN: TOKEN }))).toBe(noKey);
    // The old spelling --study still works, and says so on stderr.
    const renamed = await cohort(['keys', 'status', '--coordinator-url', http, '--study', studyId, '--token', TOKEN]);
    expect(renamed).toEqual({ code: 0, stdout: noKey, stderr: 'cohort: --study is deprecated, use --study-id (cohort keys status)\n' });
    const none = await cohort(['keys', 'status', '--coordinator-url', http, '--study-id', studyId]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('cohort: reading key status needs the operator or auditor token: --token-file F (or COHORT_OPERATOR_TOKEN)');
  });

  it('generate at one clinic seals a study key to every enrolled clinic, flagging cards pinned now', async () => {
    const stdout = ok(await cohort(['keys', 'generate', '--keystore', keystore('cleveland'), '--coordinator', grpc, '--study-id', studyId, ...tlsCa()]));
    const header = new RegExp(
      `^study ${studyId}: key ([0-9a-f]{32}) \\(parameter set n8192-q60-s40\\) generated by cleveland, sealed to 2 clinics:$`,
      'm',
    ).exec(stdout);
    expect(header).not.toBeNull();
    keyId = header![1]!;
    const lines = stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s{2,}/));
    expect(lines).toEqual([
      ['cleveland', fingerprints['cleveland'], '(this clinic)'],
      ['hungarian', fingerprints['hungarian'], '(pinned now: check this fingerprint with that clinic)'],
    ]);
    expect(existsSync(join(keystore('cleveland'), 'peers', 'hungarian.json'))).toBe(true);
  });

  it('fetch at another clinic receives the same key and prints its id, never the key', async () => {
    const stdout = ok(await cohort(['keys', 'fetch', '--keystore', keystore('hungarian'), '--coordinator', grpc, '--study-id', studyId, ...tlsCa()]));
    // The sender's card was pinned before (keys pin), so nothing is pinned now.
    expect(stdout).toBe(`study ${studyId}: key ${keyId} (parameter set n8192-q60-s40) received and stored in ${keystore('hungarian')}\n`);
    const stored = JSON.parse(readFileSync(join(keystore('hungarian'), 'studies', `${studyId}.json`), 'utf8')) as { keyId: string; secretKey: string };
    const own = JSON.parse(readFileSync(join(keystore('cleveland'), 'studies', `${studyId}.json`), 'utf8')) as { keyId: string; secretKey: string };
    expect(stored.keyId).toBe(keyId);
    expect(stored.secretKey).toBe(own.secretKey);
    expect(stdout).not.toContain(stored.secretKey.slice(0, 32));
    expect(ok(await cohort(['keys', 'fetch', '--keystore', keystore('hungarian'), '--coordinator', grpc, '--study-id', studyId, ...tlsCa()]))).toBe(
      `study ${studyId}: key ${keyId} (parameter set n8192-q60-s40) is already in ${keystore('hungarian')}\n`,
    );
  });

  it('status lists both holders', async () => {
    const stdout = ok(await cohort(['keys', 'status', '--coordinator-url', http, '--study-id', studyId, '--token', TOKEN]));
    const [header, columns, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toBe(`study ${studyId}: key ${keyId} (n8192-q60-s40), generated by cleveland, held by 2 clinics`);
    expect(columns!.split(/\s{2,}/)).toEqual(['clinic', 'sealed by', 'at']);
    expect(rows.map((row) => row.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['cleveland', 'cleveland'],
      ['hungarian', 'cleveland'],
    ]);
    for (const row of rows) expect(Number.isNaN(Date.parse(row.split(/\s{2,}/)[2]!))).toBe(false);
  });

  it('a second ceremony for the study is refused', async () => {
    for (const clinic of ['cleveland', 'hungarian']) {
      const again = await cohort(['keys', 'generate', '--keystore', keystore(clinic), '--coordinator', grpc, '--study-id', studyId, ...tlsCa()]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`cohort: study ${studyId} already has key ${keyId}; keys are per study\n`);
    }
    const unknown = await cohort(['keys', 'generate', '--keystore', keystore('cleveland'), '--coordinator', grpc, '--study-id', 'no-such-study', ...tlsCa()]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(`cohort: the coordinator at ${grpc} refused: study "no-such-study" does not exist\n`);
  });
});
