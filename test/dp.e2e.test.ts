import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteDataset, type SiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { LEDGER_FILE, runNode, type NodeSummary } from '../clinic-node/node-agent.js';
import { runSiteNodes } from '../simulations/site-nodes.js';
import { LedgerFile } from '../clinic-node/privacy/ledger-file.js';
import { parseStudyConfig, startCoordinator, type FederationEvent, type RunningCoordinator } from '../coordinator/index.js';
import { status } from '@grpc/grpc-js';
import { sha256 } from '../common/chunk-stream.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { calibrateNoise, canonicalJson, cardToJson, createIdentity, entryHash, epsilonFor, plainFloat32Codec, signEntry } from '../crypto/index.js';
import { trustingFetch } from '../simulations/coordinator-process.js';
import { clientAs, connect, refusal } from './support/scripted-clinic.js';
import { DATA_DIR } from './support/data-dir.js';
import { cohort as runCli } from './support/cli-run.js';
import { enrolForSite } from './support/approvals.js';
import { describeEachBackend, freshDatabase, type TestDatabase } from './support/databases.js';

// Patient-level DP with per-clinic caps, end to end: four clinics with keystores and ledgers, one
// whose cap is below the study's target (it adds more noise from round 1 and trains every round
// within it), one whose cap is too small for any useful noise (it sits the study out, on the record). Then the auditor's view, through the built CLI, of the
// coordinator's copy, and what editing, deleting or reordering stored entries does to it. The
// coordinator serves TLS with the loopback CA: the CLI trusts it through NODE_EXTRA_CA_CERTS.
const AUDITOR = 'auditor-secret-for-tests';
const OPERATOR = 'operator-secret-for-tests';
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const ROUNDS = 3;
const LOCAL_STEPS = 10;
const BATCH = 4;
const DELTA = 1e-3;

const cohort = (args: string[]) => runCli(args, { NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') });

let dir: string;
let tls: LoopbackTls;
/** HTTPS to the coordinator, trusting the loopback CA. */
let https: ReturnType<typeof trustingFetch>;
let database: string;
let testDatabase: TestDatabase;
let coordinator: RunningCoordinator;
let studyId: string;
let keystores: Keystore[];
let data: SiteDataset[];
let summaries: NodeSummary[];
const events: FederationEvent[] = [];
/** Switzerland's cap: more than two rounds at the study's noise cost it, less than three. */
let switzerlandCap: number;
/** VA's cap: less than a round at ten times the study's noise. */
const VA_CAP = 0.001;

const capOf = (site: string) => (site === 'switzerland' ? switzerlandCap : site === 'va' ? VA_CAP : 1);

const start = () => startCoordinator({ grpcPort: 0, httpPort: 0, database, logLevels: false, auditorToken: AUDITOR, operatorToken: OPERATOR, tls: tls.server });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const verify = (...extra: string[]) => cohort(['audit', 'verify', '--coordinator-url', coordinator.httpUrl, '--auditor-token', AUDITOR, ...extra]);

/** Runs SQL against the stopped coordinator's database, then starts it again. */
async function tamper(...statements: string[]): Promise<void> {
  await coordinator.close();
  const db = await testDatabase.open();
  for (const sql of statements) await db.query(sql);
  await db.destroy();
  coordinator = await start();
}

describeEachBackend('privacy dp: per-clinic budgets, enforced and ledgered', (backend) => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-dp-'));
    testDatabase = await freshDatabase(backend, dir);
    events.length = 0; // the events of this backend's run only
    database = testDatabase.database;
    tls = await loopbackTls();
    writeFileSync(join(dir, 'ca.pem'), tls.caPem);
    https = trustingFetch(tls.caPem);
    coordinator = await start();
    coordinator.federation.events$.subscribe((e) => events.push(e));
    data = await Promise.all(SITES.map((site) => loadSiteDataset('fed-heart-disease', site, { dataDir: DATA_DIR })));
    keystores = SITES.map((site) => Keystore.create(join(dir, site), site));
    for (const [i, keystore] of keystores.entries()) await enrolForSite(coordinator, keystore.card, SITES[i]!);
    const study = await coordinator.federation.createStudy(
      parseStudyConfig({
        dataset: 'fed-heart-disease',
        privacy: 'dp',
        dp: { targetEpsilon: 1, delta: DELTA, clipNorm: 1 },
        rounds: ROUNDS,
        quorum: 3,
        // Round 1 waits for all four (with the quorum alone it would open with the first three to connect).
        minClinics: 4,
        training: { batchSize: BATCH, localSteps: LOCAL_STEPS },
      }),
    );
    studyId = study.id;
    const q = BATCH / data[2]!.train.count;
    const z = calibrateNoise(1, q, ROUNDS * LOCAL_STEPS, DELTA).noiseMultiplier;
    const afterTwo = epsilonFor({ q, noiseMultiplier: z, steps: 2 * LOCAL_STEPS }, DELTA).epsilon;
    switzerlandCap = (afterTwo + 1) / 2;
    summaries = await runSiteNodes({
      coordinator: coordinator.grpcAddress,
      sites: data,
      keystores,
      credentials: () => tls.credentials(),
      budget: (site) => ({ epsilon: capOf(site), delta: DELTA }),
    });
  });

  afterAll(async () => {
    await coordinator?.close();
    await testDatabase?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trains every round within each cap, a small cap with more noise; the clinic with no usable cap refuses and the study goes on with the quorum', () => {
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(summaries.map((s) => [s.trainedRounds, s.refusedRounds])).toEqual([
      [3, 0],
      [3, 0],
      [3, 0],
      [0, 3],
    ]);
    for (const [i, summary] of summaries.entries()) {
      expect(summary.privacySpent!.delta).toBe(DELTA);
      expect(summary.privacySpent!.epsilon).toBeLessThanOrEqual(capOf(SITES[i]!));
    }
    // The study's target is met exactly by the clinics with room for it; Switzerland spends its whole cap, none of it stranded.
    expect(summaries[0]!.privacySpent!.epsilon).toBeGreaterThan(0.999);
    expect(summaries[2]!.privacySpent!.epsilon).toBeGreaterThan(switzerlandCap - 1e-4);
    const refused = events.filter((e) => e.type === 'round-refused');
    expect(refused.map((e) => [e.type === 'round-refused' && e.clinicId, e.type === 'round-refused' && e.round])).toEqual([
      ['va', 1],
      ['va', 2],
      ['va', 3],
    ]);
    expect(refused[0]).toMatchObject({
      studyId,
      reason: expect.stringMatching(
        /^the cap of 0\.001 \(delta 0\.001\) leaves epsilon 0\.001000 for the study's 3 remaining rounds: even 10 times the study's noise \(multiplier [\d.]+\) would pass it; this clinic sits the study out$/,
      ),
    });
    expect(events.find((e) => e.type === 'round-closed' && e.round === 1)).toMatchObject({
      updates: 3,
      outcome: 'closed with 3 updates; 1 clinics refused (their privacy ledgers say why)',
    });
  });

  it("keeps the refusal in both ledgers: the clinic's file and the coordinator's signed copy", async () => {
    const local = LedgerFile.open(join(keystores[3]!.dir, LEDGER_FILE), keystores[3]!.identity).entries();
    expect(local.map((e) => [e.kind, e.round])).toEqual([
      ['refusal', 1],
      ['refusal', 2],
      ['refusal', 3],
    ]);
    expect(local[0]!.requestedEpsilon!).toBeGreaterThan(VA_CAP);
    expect(local[2]!.epsilon).toBe(0);
    const response = await https(`${coordinator.httpUrl}/audit/clinics/va/ledger`, bearer(AUDITOR));
    const body = (await response.json()) as { entries: unknown[]; contributions: unknown[] };
    expect(body.entries).toEqual(JSON.parse(JSON.stringify(local)));
    expect(body.contributions).toEqual([]);
    // Switzerland's ledger: three spends at one raised noise multiplier.
    const swiss = LedgerFile.open(join(keystores[2]!.dir, LEDGER_FILE), keystores[2]!.identity).entries();
    expect(swiss.map((e) => [e.kind, e.round])).toEqual([
      ['spend', 1],
      ['spend', 2],
      ['spend', 3],
    ]);
    const z = calibrateNoise(1, BATCH / data[2]!.train.count, ROUNDS * LOCAL_STEPS, DELTA).noiseMultiplier;
    expect(swiss[0]!.mechanism!.noiseMultiplier).toBeGreaterThan(z);
    // Operators see it in the study's round history.
    const view = (await (await https(`${coordinator.httpUrl}/studies/${studyId}`, bearer(OPERATOR))).json()) as {
      dp: unknown;
      roundHistory: { refusals: { clinic: string; reason: string }[] }[];
    };
    expect(view.dp).toEqual({ targetEpsilon: 1, delta: DELTA, clipNorm: 1 });
    expect(view.roundHistory.map((r) => r.refusals.map((x) => x.clinic))).toEqual([['va'], ['va'], ['va']]);
    expect(view.roundHistory[2]!.refusals[0]!.reason).toBe(local[2]!.reason);
  });

  it('serves auditors only with the auditor token', async () => {
    expect((await https(`${coordinator.httpUrl}/audit/clinics`)).status).toBe(401);
    expect((await https(`${coordinator.httpUrl}/audit/clinics`, bearer('wrong'))).status).toBe(401);
    const budgets = (await (await https(`${coordinator.httpUrl}/audit/clinics`, bearer(AUDITOR))).json()) as {
      clinicId: string;
      verified: boolean;
      refusals: number;
    }[];
    expect(budgets.map((b) => [b.clinicId, b.verified, b.refusals])).toEqual([
      ['cleveland', true, 0],
      ['hungarian', true, 0],
      ['switzerland', true, 0],
      ['va', true, 3],
    ]);
  });

  it('cohort audit verify recomputes every epsilon and passes; cohort audit report prints the budget table', async () => {
    const run = await verify('--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('switzerland: ok, 3 entries (3 spends, 0 refusals)');
    expect(run.stdout).toContain('va: ok, 3 entries (0 spends, 3 refusals)');
    expect(run.stdout).toContain('verified: 4 ledgers, every epsilon recomputed, every chain and signature intact');
    const report = (...extra: string[]) => cohort(['audit', 'report', '--coordinator-url', coordinator.httpUrl, '--auditor-token', AUDITOR, ...extra]);
    const tables = await report();
    expect(tables.code).toBe(0);
    expect(tables.stdout.split('\n')[0]).toMatch(/^clinic\s+epsilon\s+cap\s+delta\s+remaining\s+spends\s+refusals\s+verified\s+last entry$/);
    expect(tables.stdout).toMatch(new RegExp(`^${studyId} +fed-heart-disease geometric-median +va +0 +0\\.001 +0 +3 `, 'm'));
    // --format json writes JSON only, per clinic and per study.
    const json = JSON.parse((await report('--format', 'json')).stdout) as {
      clinics: { clinic: string; epsilon: number }[];
      studies: { study: string; clinic: string; epsilon: number; spends: number; refusals: number }[];
      columns: Record<string, unknown>;
    };
    expect(json.clinics.find((c) => c.clinic === 'switzerland')!.epsilon).toBe(summaries[2]!.privacySpent!.epsilon);
    expect(json.studies.map((s) => [s.clinic, s.study, s.spends, s.refusals])).toEqual(
      SITES.map((site) => [site, studyId, site === 'va' ? 0 : 3, site === 'va' ? 3 : 0]),
    );
    // One study each: its epsilon is the clinic's total.
    expect(json.studies.find((s) => s.clinic === 'switzerland')!.epsilon).toBeCloseTo(summaries[2]!.privacySpent!.epsilon, 9);
    expect(Object.keys(json.columns)).toEqual(['clinics', 'studies']);
    // CSV and Markdown as the coordinator renders them over HTTP, byte for byte.
    const csv = await report('--format', 'csv');
    const served = await https(`${coordinator.httpUrl}/audit/report?format=csv`, bearer(AUDITOR));
    expect(served.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.stdout).toBe(await served.text());
    expect(csv.stdout.split('\r\n')).toHaveLength(1 + 4 + 4 + 1);
    const markdown = await report('--format', 'markdown');
    expect(markdown.stdout).toContain('## By study');
    expect(markdown.stdout).toContain('Epsilon measures how much a model trained with a clinic');
    expect(await report('--format', 'xml')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--format must be table, json, csv, markdown; got "xml"'),
    });
    expect((await https(`${coordinator.httpUrl}/audit/report?format=xml`, bearer(AUDITOR))).status).toBe(400);
    expect((await https(`${coordinator.httpUrl}/audit/report`)).status).toBe(401);
    const local = await cohort(['audit', 'verify', '--keystore', keystores[2]!.dir]);
    expect(local.stdout).toContain('switzerland: ok, 3 entries');
    const card = join(dir, 'switzerland.card.json');
    writeFileSync(card, JSON.stringify(cardToJson(keystores[2]!.card)));
    const byCard = await cohort(['audit', 'verify', '--ledger', join(keystores[2]!.dir, LEDGER_FILE), '--card', card]);
    expect({ code: byCard.code, first: byCard.stdout.split('\n')[0] }).toMatchObject({ code: 0, first: expect.stringContaining('switzerland: ok, 3 entries') });
    const missing = await cohort(['audit', 'verify', '--ledger', join(dir, 'nowhere.jsonl'), '--card', card]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining(`cohort: no ledger file at ${join(dir, 'nowhere.jsonl')}`) });
    const otherCard = join(dir, 'cleveland.card.json');
    writeFileSync(otherCard, JSON.stringify({ ...cardToJson(keystores[0]!.card), clinicId: 'switzerland', fingerprint: undefined }));
    const wrongKey = await cohort(['audit', 'verify', '--ledger', join(keystores[2]!.dir, LEDGER_FILE), '--card', otherCard]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain('entry #0 (study');
    expect(wrongKey.stdout).toContain("signature does not verify with switzerland's key");
  });

  it('refuses ledger entries that do not verify, and DP updates without a spend, storing nothing', async () => {
    const client = await clientAs(coordinator, keystores[0]!.identity);
    const stored = await client.getLedgerHead('cleveland');
    const local = LedgerFile.open(join(keystores[0]!.dir, LEDGER_FILE), keystores[0]!.identity).entries();
    const last = local.at(-1)!;
    // A well-formed continuation, signed by someone else under cleveland's name.
    const forged = signEntry(createIdentity('cleveland'), { ...last, seq: last.seq + 1, prevHash: entryHash(last), round: 99 });
    expect(await refusal(client.appendLedgerEntries('cleveland', [canonicalJson(forged)]))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: `ledger of cleveland: entry #3 (study ${studyId} round 99, spend) signature does not verify with cleveland's key: the entry was altered or not written by the clinic`,
    });
    expect(await refusal(client.appendLedgerEntries('cleveland', ['{not json']))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'ledger entry 0 is not JSON',
    });
    const nobody = await clientAs(coordinator, createIdentity('nobody'));
    expect(await refusal(nobody.appendLedgerEntries('nobody', [canonicalJson(last)]))).toEqual({
      code: status.UNAUTHENTICATED,
      details:
        '/cohort.v1.Federation/AppendLedgerEntries: no enrolled clinic "nobody" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)',
    });
    nobody.close();
    // Cleveland's signed call cannot carry entries into another clinic's ledger.
    expect(await refusal(client.appendLedgerEntries('hungarian', [canonicalJson(last)]))).toEqual({
      code: status.PERMISSION_DENIED,
      details: '/cohort.v1.Federation/AppendLedgerEntries: the request speaks for clinic "hungarian" but is signed by cleveland',
    });
    expect(await client.getLedgerHead('cleveland')).toEqual(stored);

    // A second DP study: an update without a spend in the sender's ledger is refused before its payload.
    const second = await coordinator.federation.createStudy(
      parseStudyConfig({ dataset: 'fed-heart-disease', privacy: 'dp', rounds: 1, quorum: 1, minClinics: 1 }),
    );
    const clinic = await connect(coordinator, 'cleveland', 'cleveland', 199, { identity: keystores[0]!.identity });
    try {
      const task = await clinic.nextOf('TASK_KIND_TRAIN', second.id);
      expect(task.dp).toMatchObject({ targetEpsilon: 1, delta: 1e-5, clipNorm: 1, totalSteps: 100 });
      const payload = plainFloat32Codec.encode(new Float32Array(14));
      const error = await clinic.rawUpload(
        {
          clinicId: 'cleveland',
          studyId: second.id,
          round: 1,
          modelVersion: 0,
          codec: plainFloat32Codec.name,
          numSamples: 199,
          totalBytes: payload.length,
          sha256: sha256(payload),
          trainLoss: 0,
        },
        payload,
      );
      expect({ code: error?.code, details: error?.details }).toEqual({
        code: status.FAILED_PRECONDITION,
        details: `study ${second.id} is differentially private: the ledger of cleveland holds no spend for round 1; append it (AppendLedgerEntries) before the update`,
      });
    } finally {
      clinic.close();
      client.close();
    }
  });

  it('names the stored entry that was edited, deleted or reordered', async () => {
    const rows = `SELECT seq, body FROM ledger_entries WHERE clinic_id = 'cleveland' ORDER BY seq`;
    const db = await testDatabase.open();
    const original = (await db.query(rows)) as { seq: number; body: string }[];
    await db.destroy();
    const restore = original.map((r) => `UPDATE ledger_entries SET body = '${r.body}' WHERE clinic_id = 'cleveland' AND seq = ${r.seq}`);
    const edited = original[1]!.body.replace(/"noiseMultiplier":([0-9.]+)/, (_, z: string) => `"noiseMultiplier":${Number(z) * 2}`);

    await tamper(`UPDATE ledger_entries SET body = '${edited}' WHERE clinic_id = 'cleveland' AND seq = 1`);
    let run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^cleveland: FAILED/);
    expect(run.stdout).toContain(`  entry #1 (study ${studyId} round 2, spend) signature does not verify with cleveland's key`);
    expect(run.stdout).toContain('verification FAILED for cleveland');

    await tamper(...restore, `DELETE FROM ledger_entries WHERE clinic_id = 'cleveland' AND seq = 1`);
    run = await verify('--clinic-id', 'cleveland');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `  entry #2 (study ${studyId} round 3, spend) is at position 1 of the ledger: entries before it were deleted, inserted or reordered`,
    );
    expect(run.stdout).toContain(`study ${studyId} round 2: the clinic sent an update but its ledger holds no spend for it (entry deleted?)`);

    // Swapping two entries' stored positions.
    await tamper(
      `INSERT INTO ledger_entries SELECT clinic_id, 1, study_id, round, kind, hash, '${original[1]!.body}', received_at FROM ledger_entries WHERE clinic_id = 'cleveland' AND seq = 0`,
      `UPDATE ledger_entries SET body = '${original[2]!.body}' WHERE clinic_id = 'cleveland' AND seq = 1`,
      `UPDATE ledger_entries SET body = '${original[1]!.body}' WHERE clinic_id = 'cleveland' AND seq = 2`,
    );
    run = await verify('--clinic-id', 'cleveland');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`  entry #2 (study ${studyId} round 3, spend) is at position 1 of the ledger`);
    expect(run.stdout).toContain(`  entry #1 (study ${studyId} round 2, spend) is at position 2 of the ledger`);

    // The last entry deleted: the chain alone cannot tell, the contribution without a spend can.
    await tamper(...restore, `DELETE FROM ledger_entries WHERE clinic_id = 'cleveland' AND seq = 2`);
    run = await verify('--clinic-id', 'cleveland');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`study ${studyId} round 3: the clinic sent an update but its ledger holds no spend for it`);
  });

  it('a clinic ledger edited on disk fails verification and stops the node from trusting it', async () => {
    const path = join(keystores[0]!.dir, LEDGER_FILE);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[0] = lines[0]!.replace(/"epsilon":([0-9.e-]+)/, '"epsilon":0.01');
    writeFileSync(path, lines.join('\n'));
    const run = await cohort(['audit', 'verify', '--keystore', keystores[0]!.dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  entry #0 (study');
    expect(() => LedgerFile.open(path, keystores[0]!.identity)).toThrow(
      /^the privacy ledger of cleveland does not verify: entry #0 .* signature does not verify/,
    );
    await expect(
      runNode({
        coordinator: coordinator.grpcAddress,
        dataset: 'fed-heart-disease',
        site: 'cleveland',
        preloaded: data[0],
        keystore: keystores[0]!,
        credentials: tls.credentials(),
        budget: { epsilon: 1, delta: DELTA },
      }),
    ).rejects.toThrow(/does not verify/);
  });
});
