import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Browser tests drive Debian's chromium through playwright-core (no browser download). They run when
 * a chromium is there or COHORT_TEST_BROWSER=1 says one must be (.ci/run installs it and sets it);
 * otherwise the suite is listed as skipped.
 */
export const CHROMIUM = process.env['COHORT_CHROMIUM'] ?? '/usr/bin/chromium';
export const BROWSER_REQUIRED = process.env['COHORT_TEST_BROWSER'] === '1';
export const BROWSER_READY = BROWSER_REQUIRED || existsSync(CHROMIUM);
export const BROWSER_SKIPPED = `skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set COHORT_CHROMIUM)`;

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`COHORT_TEST_BROWSER=1 but there is no chromium at ${CHROMIUM}: apt-get install chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

/** A new page the size of a laptop screen, trusting the test's loopback certificate. */
export async function laptopPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 800 }, acceptDownloads: true });
  return context.newPage();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the console's CSP (script-src 'self') stays on and would refuse an injected <script>.
  await page.evaluate(readFileSync(AXE_SOURCE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Where screenshots go: COHORT_CONSOLE_SCREENSHOTS (docs/console to refresh the documentation's),
 * else a directory of the test's own.
 */
export function screenshotDir(fallback: string): string {
  const dir = process.env['COHORT_CONSOLE_SCREENSHOTS'] ?? join(fallback, 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
