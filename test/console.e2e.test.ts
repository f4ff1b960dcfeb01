/**
 * The browser console in a real Chromium (playwright-core driving Debian's chromium) against a
 * coordinator over loopback TLS with four real clinic nodes: the operator enrols a clinic, defines a
 * study with mistakes and then correctly, watches rounds arrive live, reads the metric chart and
 * downloads the model and its card; the auditor sees no write control, a forged write is refused,
 * the ledgers verify in the browser, and a tampered stored entry is named. axe-core finds no serious
 * accessibility violation on any page; each page is photographed (COHORT_CONSOLE_SCREENSHOTS=docs/console
 * refreshes the documentation's pictures).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sqlite3 from 'sqlite3';
import { loadSiteDataset } from '../clinic-node/data/index.js';
import { Keystore } from '../clinic-node/keys/index.js';
import type { NodeSummary } from '../clinic-node/node-agent.js';
import { runSiteNodes } from '../simulations/site-nodes.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { cardToJson } from '../crypto/index.js';
import { approvalFor, enrolForSite } from './support/approvals.js';
import { BROWSER_READY, BROWSER_SKIPPED, laptopPage, launchChromium, screenshotDir, seriousViolations } from './support/browser.js';
import { DATA_DIR } from './support/data-dir.js';

const OPERATOR = 'operator-token-for-the-console-test';
const AUDITOR = 'auditor-token-for-the-console-test';
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];
const STUDY = 'console-heart-dp';
const ROUNDS = 3;
const DELTA = 1e-3;

if (!BROWSER_READY) process.stderr.write(`note: "the console in Chromium" ${BROWSER_SKIPPED}\n`);

(BROWSER_READY ? describe : describe.skip)(`the console in Chromium${BROWSER_READY ? '' : ` [${BROWSER_SKIPPED}]`}`, () => {
  let dir: string;
  let shots: string;
  let tls: LoopbackTls;
  let coordinator: RunningCoordinator;
  let browser: Browser;
  let page: Page;
  let keystores: Keystore[];
  let studyId: string;
  let nodes: Promise<NodeSummary[]> | undefined;
  let stopped = false;
  const pageErrors: string[] = [];

  /** Opens a page afresh (a reload when the browser is on it already: a hash change alone loads nothing). */
  const open = async (hash: string) => {
    const url = `${coordinator.httpUrl}/console/${hash}`;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.locator('h1').first().waitFor();
  };
  /** Photographs the page and checks it with axe-core: no serious or critical violation. */
  const inspect = async (name: string) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
  };
  const signIn = async (token: string) => {
    await page.goto(`${coordinator.httpUrl}/`);
    await page.getByLabel('Access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cohort-console-'));
    shots = screenshotDir(dir);
    tls = await loopbackTls();
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: join(dir, 'coordinator.sqlite'),
      logLevels: false,
      operatorToken: OPERATOR,
      auditorToken: AUDITOR,
      tls: tls.server,
    });
    keystores = SITES.map((site) => Keystore.create(join(dir, site), site));
    // Three clinics are enrolled beforehand; the operator enrols cleveland in the console.
    for (const [i, site] of SITES.entries()) if (site !== 'cleveland') await enrolForSite(coordinator, keystores[i]!.card, site);
    browser = await launchChromium();
    page = await laptopPage(browser);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await nodes?.catch(() => undefined);
    if (!stopped) await coordinator?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the operator token after refusing an unknown one, by keyboard alone', async () => {
    await signIn('not-a-token');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('does not know that token');
    await inspect('login');
    await page.goto(`${coordinator.httpUrl}/`);
    await page.getByLabel('Access token').waitFor();
    await page.keyboard.press('Tab'); // the first stop is the token field
    await expect(page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).resolves.toBe(
      'token',
    );
    await page.keyboard.type(OPERATOR);
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('role').textContent()).resolves.toBe('operator');
    expect(page.url()).toContain('/console/');
  });

  it('enrols a clinic from its card, approving its site', async () => {
    await open('#/consortium');
    await page.getByTestId('clinics').waitFor();
    expect(await page.locator('[data-clinic]').count()).toBe(3);
    const approval = await approvalFor('cleveland');
    await page.getByLabel("The clinic's card (card.json)").fill(JSON.stringify(cardToJson(keystores[0]!.card)));
    await page.getByLabel('Dataset').fill(approval.dataset);
    await page.getByLabel('Site').fill(approval.site);
    await page.getByLabel('Training records').fill(String(approval.numTrain));
    await page.getByLabel('Test records').fill(String(approval.numTest));
    await page.getByRole('button', { name: 'Enrol' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('Enrolled cleveland, approved.');
    await page.locator('[data-clinic="cleveland"]').waitFor();
    expect(await page.locator('[data-clinic="cleveland"]').textContent()).toContain(`${approval.numTrain} / ${approval.numTest}`);
    await inspect('consortium-enrol');
  });

  it('revokes a clinic with a reason', async () => {
    const spare = Keystore.create(join(dir, 'spare'), 'spare-clinic');
    await coordinator.keys.enrol(spare.card);
    await open('#/consortium');
    const row = page.locator('[data-clinic="spare-clinic"]');
    await row.getByRole('button', { name: 'Revoke spare-clinic…' }).click();
    await row.getByLabel('Reason for revoking spare-clinic').fill('key lost');
    await row.getByRole('button', { name: 'Revoke for good' }).click();
    await row.getByText('revoked', { exact: true }).waitFor();
    expect(await row.textContent()).toContain('key lost');
    expect((await coordinator.keys.enrolments()).find((e) => e.card.clinicId === 'spare-clinic')?.revocationReason).toBe('key lost');
  });

  it('shows every problem of a wrong study at once, then creates it', async () => {
    await open('#/studies');
    await page.getByRole('button', { name: 'New study' }).click();
    await page.getByTestId('new-study').waitFor();
    // The dataset's defaults are filled in once the coordinator has answered.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('#field-rounds')?.value === '15',
    );
    await page.getByLabel('Privacy').selectOption('dp');
    await page.getByLabel('Target epsilon (per clinic, whole study)').waitFor();
    await page.getByLabel('Name', { exact: true }).fill(STUDY);
    await page.getByLabel('Rounds').fill('0');
    await page.getByLabel('Learning rate').fill('-1');
    await page.getByRole('button', { name: 'Create study' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const problems = await alert.locator('li').allTextContents();
    expect(problems).toEqual(expect.arrayContaining(['rounds must be an integer >= 1, got 0', 'training.learningRate must be a positive number, got -1']));
    expect(await alert.textContent()).toContain(`${problems.length} problems`);
    // Each problem also marks its own field.
    await expect(page.getByLabel('Rounds').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Learning rate').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByLabel('Batch size').getAttribute('aria-invalid')).resolves.toBeNull();
    await inspect('new-study-problems');

    await page.getByLabel('Rounds').fill(String(ROUNDS));
    await page.getByLabel('Learning rate').fill('0.05');
    await page.getByLabel('Local steps per round').fill('10');
    await page.getByLabel('Clinics round 1 waits for').fill('4');
    await page.getByLabel('Quorum (updates a round needs)').fill('3');
    await page.getByLabel('Delta').fill(String(DELTA));
    await page.getByRole('button', { name: 'Check' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toBe('The definition is valid.');
    await page.getByRole('button', { name: 'Create study' }).click();
    await page.waitForURL(/#\/studies\/(?!new$)[^/]+$/);
    studyId = decodeURIComponent(page.url().split('#/studies/')[1]!);
    await page.locator('h1', { hasText: STUDY }).waitFor();
    const settings = await page.getByTestId('settings').textContent();
    expect(settings).toContain(`target epsilon 1 at delta ${DELTA}`);
    expect(settings).toContain('localSteps 10');
  });

  it('shows rounds arriving live while real nodes train', async () => {
    const feed = page.getByTestId('live-feed');
    await page.getByText('live', { exact: true }).first().waitFor();
    expect(await feed.locator('[data-type="update-received"]').count()).toBe(0);
    const data = await Promise.all(SITES.map((site) => loadSiteDataset('fed-heart-disease', site, { dataDir: DATA_DIR })));
    nodes = runSiteNodes({
      coordinator: coordinator.grpcAddress,
      sites: data,
      keystores,
      credentials: () => tls.credentials(),
      budget: () => ({ epsilon: 10, delta: DELTA }),
    });
    // The page is never reloaded: what appears comes through the stream.
    await feed.locator('[data-type="update-received"]').first().waitFor({ timeout: 90_000 });
    await feed
      .locator('[data-type="round-closed"]')
      .nth(ROUNDS - 1)
      .waitFor({ timeout: 90_000 });
    await page.getByText('completed', { exact: true }).first().waitFor({ timeout: 30_000 });
    await nodes;
    expect(await feed.locator('[data-type="update-received"]').count()).toBeGreaterThanOrEqual(3 * ROUNDS);
    expect(await page.getByTestId('rounds').locator('tbody tr').count()).toBe(ROUNDS);
    const chart = page.getByTestId('metric-chart');
    await chart.waitFor();
    const caption = await chart.locator('figcaption').textContent();
    for (const site of SITES) expect(caption).toContain(site);
    expect(caption).toContain(`all sites pooled`);
    // Every clinic scores the last version too; the page refreshes as those evaluations arrive.
    await feed
      .locator('[data-type="evaluation"]')
      .nth(SITES.length * ROUNDS - 1)
      .waitFor();
    await page.getByTestId('rounds').locator('tbody tr').last().locator('td').nth(5).filter({ hasNotText: '–' }).waitFor();
    await inspect('study');
  });

  it('downloads a model version and its model card', async () => {
    const [model] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Model v${ROUNDS}`, exact: true }).click()]);
    const parameters = (JSON.parse(readFileSync((await model.path())!, 'utf8')) as { version: number; parameters: number[] }).parameters;
    expect(parameters).toHaveLength(14); // logistic regression over 13 features
    expect(parameters.every(Number.isFinite)).toBe(true);
    const [card] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Model card v${ROUNDS}` }).click()]);
    const modelCard = JSON.parse(readFileSync((await card.path())!, 'utf8')) as {
      format: string;
      study: { name: string };
      training: { dp: unknown; privacySpent: { clinics: unknown[] } };
    };
    expect(modelCard.format).toBe('cohort-model-card/1');
    expect(modelCard.study.name).toBe(STUDY);
    expect(modelCard.training.dp).toBeTruthy();
    expect(modelCard.training.privacySpent.clinics.length).toBeGreaterThanOrEqual(3);
  });

  it('photographs the consortium, studies and privacy pages as the operator sees them', async () => {
    await open('#/consortium');
    await page.locator('[data-clinic="va"]').waitFor();
    await inspect('consortium');
    await open('#/studies');
    await page.getByTestId('studies').waitFor();
    await inspect('studies');
    await open('#/privacy');
    await page.getByTestId('epsilon-chart').waitFor();
    await inspect('privacy');
    // One study's own spend over time: after its last round, each clinic's study epsilon is its total (one study only here).
    await page.getByLabel('Show').selectOption({ label: `study ${STUDY} alone` });
    await page.locator(`[data-testid="epsilon-chart"] canvas[aria-label^="Epsilon each clinic spent on ${STUDY}"]`).waitFor();
    const summary = await page.getByTestId('epsilon-chart').locator('figcaption').textContent();
    for (const site of SITES) expect(summary).toMatch(new RegExp(`${site}: 1 at `));
  });

  it('shows the auditor no write control, and the server refuses a forged write', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(AUDITOR);
    await expect(page.getByTestId('role').textContent()).resolves.toBe('auditor');
    const writeControls = () =>
      page.getByRole('button', { name: /new study|enrol|revoke|pause|resume|cancel|create/i }).or(page.getByRole('link', { name: /new study/i }));
    for (const hash of ['#/studies', `#/studies/${encodeURIComponent(studyId)}`, '#/consortium', '#/privacy']) {
      await open(hash);
      await page.waitForLoadState('networkidle');
      expect({ hash, controls: await writeControls().count() }).toEqual({ hash, controls: 0 });
    }
    await open('#/studies/new');
    await expect(page.getByText('Only the operator defines studies.').isVisible()).resolves.toBe(true);
    const forged = await page.evaluate(async (token) => {
      const post = (path: string, body: unknown) =>
        fetch(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
          async (r) => ({
            status: r.status,
            message: ((await r.json()) as { message: string }).message,
          }),
        );
      return [await post('/studies', { dataset: 'fed-heart-disease' }), await post('/clinics/cleveland/revoke', { reason: 'forged' })];
    }, AUDITOR);
    expect(forged).toEqual([
      { status: 403, message: 'the auditor role cannot POST /studies: auditors read, they change nothing' },
      { status: 403, message: 'the auditor role cannot POST /clinics/cleveland/revoke: auditors read, they change nothing' },
    ]);
  });

  it('verifies every ledger in the browser and names a tampered stored entry', async () => {
    await open('#/privacy');
    await page.getByRole('button', { name: 'Verify every ledger' }).click();
    const verification = page.getByTestId('verification');
    await verification.waitFor();
    await expect(verification.getAttribute('data-ok')).resolves.toBe('true');
    // The revoked clinic's (empty) ledger is verified too.
    expect(await verification.textContent()).toContain(`Verified: ${SITES.length + 1} ledgers, ${SITES.length * ROUNDS} entries`);

    await tamper(join(dir, 'coordinator.sqlite'), (body) =>
      body.replace(/"noiseMultiplier":([0-9.]+)/, (_, z: string) => `"noiseMultiplier":${Number(z) * 2}`),
    );
    await page.getByRole('button', { name: 'Verify every ledger' }).click();
    await page.locator('[data-testid="verification"][data-ok="false"]').waitFor();
    const cleveland = await page.getByTestId('verification').locator('li[data-clinic="cleveland"]').textContent();
    expect(cleveland).toContain(`entry #1 (study ${studyId} round 2, spend) signature does not verify with cleveland's key`);
    expect(await page.getByTestId('verification').textContent()).toContain('Verification FAILED for cleveland.');
    // The coordinator's own check of its copy says so too, once the page reloads its report.
    await page.getByTestId('budgets').locator('tr', { hasText: 'cleveland' }).getByText('does not verify').waitFor();
    await inspect('privacy-verify-failed');
    expect(pageErrors).toEqual([]);
  });

  it('says so when the coordinator does not answer', async () => {
    await coordinator.close();
    stopped = true;
    await page.getByRole('button', { name: 'Verify every ledger' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'did not answer' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('the coordinator did not answer GET /audit/clinics/');
  });
});

/** Edits cleveland's second stored ledger entry in the coordinator's database, as an intruder might. */
async function tamper(database: string, edit: (body: string) => string): Promise<void> {
  const db = new sqlite3.Database(database);
  const query = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T>((resolve, reject) => db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T))));
  const [row] = await query<{ body: string }[]>(`SELECT body FROM ledger_entries WHERE clinic_id = 'cleveland' AND seq = 1`);
  const edited = edit(row!.body);
  expect(edited).not.toBe(row!.body);
  await query(`UPDATE ledger_entries SET body = ? WHERE clinic_id = 'cleveland' AND seq = 1`, [edited]);
  await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}
