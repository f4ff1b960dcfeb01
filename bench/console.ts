/**
 * What the browser console costs the coordinator. The same federation (four Fed-Heart-Disease
 * clinics, one study of R rounds) runs in alternating trials: no browser at all; one Chromium page
 * signed in as operator with the study page open for the whole study (its live stream and its
 * reloads of the study); one page on the privacy page. Each trial gets a fresh coordinator in its
 * own process (the built CLI, TLS, signed calls), so its CPU time, read from /proc, is its own; the
 * clinics train in this process and Chromium runs in its own processes, on the same machine.
 *
 * "Nobody has it open" is checked from the coordinator's own request log: during a no-browser trial
 * it must log no HTTP request at all. The live stream's reads happen only inside a subscription to
 * GET /studies/:id/stream (coordinator/studies/study-stream.ts, a `defer`), so no request means no
 * stream and no audit reads for it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import { loadAllSites } from '../clinic-node/data/fed-heart-disease.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { runSiteNodes } from '../simulations/site-nodes.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { COHORT_CLI, startCoordinatorProcess } from '../simulations/coordinator-process.js';
import { countRequests, spread, summariseArms, type ConsoleArm, type ConsoleBenchReport, type ConsoleTrial } from './console-report.js';
import { cpuSeconds } from './timing.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The DP study's target, and the clinics' delta. */
const DP = { targetEpsilon: 1, delta: 1e-3 };

export interface ConsoleBenchOptions {
  /** Rounds a study. Default 10. */
  rounds?: number;
  /** Trials an arm, run alternately (none, study, privacy, none, ...). Default 3. */
  trials?: number;
  /** Which arms. Default all three. */
  arms?: ConsoleArm[];
  /** The study's privacy mode: "none" or "dp". Default "none". */
  privacy?: 'none' | 'dp';
  /** Chromium's executable. Default /usr/bin/chromium. */
  chromium?: string;
  /** Where the sites' CSV files are (COHORT_DATA_DIR). Default: the loader's. */
  dataDir?: string;
  onProgress?: (line: string) => void;
}

export async function runConsoleBench(options: ConsoleBenchOptions = {}): Promise<ConsoleBenchReport> {
  const rounds = options.rounds ?? 10;
  const trials = options.trials ?? 3;
  const arms = options.arms ?? ['none', 'study', 'privacy'];
  const privacy = options.privacy ?? 'none';
  const chromiumPath = options.chromium ?? DEFAULT_CHROMIUM;
  const progress = options.onProgress ?? (() => undefined);
  const needsBrowser = arms.some((arm) => arm !== 'none');
  if (needsBrowser && !existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install it (apt-get install chromium) or pass --chromium PATH; the browser arms need one`);
  }
  if (!existsSync(COHORT_CLI)) throw new Error(`${COHORT_CLI} is missing: run npm run build first (the coordinator runs as the built CLI)`);
  if (needsBrowser) await playwright(); // before any trial: a missing driver is said at once

  await selectBackend('auto');
  const sites = await loadAllSites(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const study = { rounds, privacy, sites };
  progress('warm-up: a 2-round study, no browser, not counted');
  await runTrial('none', { ...study, rounds: 2 }, chromiumPath);
  const results: ConsoleTrial[] = [];
  let chromiumVersion = 'no browser';
  for (let t = 1; t <= trials; t++) {
    for (const arm of arms) {
      const trial = await runTrial(arm, study, chromiumPath, (version) => (chromiumVersion = `Chromium ${version}`));
      results.push(trial);
      const { median } = spread(trial.roundS);
      progress(
        `trial ${t}/${trials} ${arm}: round ~${(median * 1e3).toFixed(0)} ms, coordinator CPU ${((trial.coordinatorCpuS / rounds) * 1e3).toFixed(1)} ms/round, ` +
          `${trial.httpRequests} HTTP requests, ${trial.streamConnections} streams, ${trial.studyReloads} reloads`,
      );
    }
  }
  return {
    rounds_per_study: rounds,
    trials_per_arm: trials,
    privacy,
    clinics: sites.length,
    node_version: process.version,
    chromium_version: chromiumVersion,
    cpus: cpus().length,
    arms: summariseArms(results),
    trials: results,
  };
}

interface StudySetup {
  rounds: number;
  privacy: 'none' | 'dp';
  sites: Awaited<ReturnType<typeof loadAllSites>>;
}

async function runTrial(arm: ConsoleArm, setup: StudySetup, chromiumPath: string, onBrowser?: (version: string) => void): Promise<ConsoleTrial> {
  const coordinator = await startCoordinatorProcess({
    args: [
      ...['--dataset', 'fed-heart-disease', '--rounds', String(setup.rounds), '--privacy', setup.privacy, '--min-clinics', String(setup.sites.length)],
      ...(setup.privacy === 'dp' ? ['--target-epsilon', String(DP.targetEpsilon), '--delta', String(DP.delta)] : []),
    ],
  });
  const workdir = mkdtempSync(join(tmpdir(), 'cohort-bench-console-'));
  let server: BrowserServer | undefined;
  let browser: Browser | undefined;
  try {
    const studyId = await coordinator.studyId();
    const keystores = setup.sites.map(({ site }) => Keystore.create(join(workdir, site), site));
    for (const [i, keystore] of keystores.entries()) {
      const { dataset, site, train, test } = setup.sites[i]!;
      await coordinator.enrol(keystore.card, { dataset, site, numTrain: train.count, numTest: test.count });
    }
    const seen = { streams: 0, reloads: 0, counting: false };
    if (arm !== 'none') {
      const { chromium } = await playwright();
      // Launched as a server so its process, and so the CPU of its process tree, is ours to read.
      server = await chromium.launchServer({ executablePath: chromiumPath });
      browser = await chromium.connect(server.wsEndpoint());
      onBrowser?.(browser.version());
      const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path === `/studies/${studyId}/stream`) seen.streams++;
        else if (path === `/studies/${studyId}` && seen.counting) seen.reloads++;
      });
      await openConsole(page, coordinator.httpUrl, coordinator.operatorToken, arm === 'study' ? `#/studies/${studyId}` : '#/privacy');
    }

    const pid = coordinator.child.pid!;
    // The enrolments' log lines may still be on their way through the pipe: they are not the console's.
    await waitUntil(() => countRequests(coordinator.output()) >= keystores.length, 'the enrolments in the coordinator log');
    const logFrom = coordinator.output().length;
    seen.counting = true;
    const cpuBefore = cpuSeconds(pid);
    const browserPid = server?.process().pid;
    const browserBefore = browserPid === undefined ? 0 : treeCpuSeconds(browserPid);
    await runSiteNodes({
      coordinator: coordinator.grpcAddress,
      sites: setup.sites,
      keystores,
      credentials: () => coordinator.credentials(),
      // Under DP a clinic trains only within a cap of its own (a fresh ledger each trial): one the study fits in.
      budget: () => (setup.privacy === 'dp' ? { epsilon: 10 * DP.targetEpsilon, delta: DP.delta } : null),
    });
    const coordinatorCpuS = cpuSeconds(pid) - cpuBefore;
    const browserCpuS = browserPid === undefined ? 0 : treeCpuSeconds(browserPid) - browserBefore;
    seen.counting = false;
    const httpRequests = countRequests(coordinator.output().slice(logFrom));
    const detail = await coordinator.fetchJson<{
      status: string;
      error?: string | null;
      roundHistory: { openedAt: string; closedAt: string; outcome: string }[];
    }>(`/studies/${studyId}`);
    if (detail.roundHistory.length !== setup.rounds) {
      const outcomes = detail.roundHistory.map((r) => r.outcome).join('; ');
      throw new Error(
        `the study ran ${detail.roundHistory.length} rounds, not ${setup.rounds} (${detail.status}${detail.error ? `: ${detail.error}` : ''}; ${outcomes})`,
      );
    }
    return {
      arm,
      roundS: detail.roundHistory.map((r) => (Date.parse(r.closedAt) - Date.parse(r.openedAt)) / 1000),
      coordinatorCpuS,
      browserCpuS,
      httpRequests,
      streamConnections: seen.streams,
      studyReloads: seen.reloads,
    };
  } finally {
    await browser?.close();
    await server?.close();
    await coordinator.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

/** Signs in with the operator token on the login page, then opens `hash` and waits until it shows. */
async function openConsole(page: Page, httpUrl: string, token: string, hash: string): Promise<void> {
  await page.goto(`${httpUrl}/console/`);
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'detached' });
  await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
  // The study page's stream never lets the network go idle: it is ready when its feed says "live".
  if (hash.startsWith('#/studies/')) await page.getByText('live', { exact: true }).waitFor();
  else await page.waitForLoadState('networkidle');
}

async function waitUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`no ${what} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The browser driver: a dev dependency, so not in the container image (whose `npm ci` omits them). */
async function playwright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch {
    throw new Error('the browser arms drive Chromium with playwright-core, a development dependency: run from a checkout after npm install');
  }
}

/** CPU seconds of a process and its descendants alive now (Chromium's renderer, GPU and utility processes). */
function treeCpuSeconds(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    try {
      total += cpuSeconds(pid);
    } catch {
      // gone meanwhile
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}
