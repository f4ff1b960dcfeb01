import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { cohort } from './support/cli-run.js';

describe('cohort CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohort-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('simulate prints progress per round, a per-site table, and one JSON object as the last line', async () => {
    const { code, stdout, stderr } = await cohort(['simulate', '--dataset', 'fed-heart-disease', '--rounds', '2', '--seed', '7', '--json']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toMatch(/round {2}1\/2 {2}mean site accuracy 0\.\d{4}/);
    expect(stderr).toMatch(/round {2}2\/2/);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^site\s+train\s+test\s+accuracy$/);
    const report = JSON.parse(lines.at(-1)!);
    expect(report).toMatchObject({ dataset: 'fed-heart-disease', strategy: 'geometric-median', privacy: 'none', rounds: 2, seed: 7, transport: 'grpc' });
    expect(report.sites.map((s: any) => [s.site, s.n_train, s.n_test])).toEqual([
      ['cleveland', 199, 104],
      ['hungarian', 172, 89],
      ['switzerland', 30, 16],
      ['va', 85, 45],
    ]);
    const mean = report.sites.reduce((a: number, s: any) => a + s.accuracy, 0) / 4;
    expect(report.mean_site_accuracy).toBeCloseTo(mean, 12);
    const pooled = report.sites.reduce((a: number, s: any) => a + s.accuracy * s.n_test, 0) / 254;
    expect(report.pooled_accuracy).toBeCloseTo(pooled, 12);
    expect(report.elapsed_s).toBeGreaterThan(0);
  });

  it('refuses bad input with a clear message and a non-zero exit', async () => {
    // A node needs its keystore (it signs every call) and TLS or an explicit --insecure; the coordinator needs TLS or --insecure.
    const keystore = Keystore.create(join(dir, 'cleveland'), 'cleveland').dir;
    const node = (...flags: string[]) => cohort(['node', '--coordinator', '127.0.0.1:1', '--keystore', keystore, '--insecure', ...flags]);
    const noKeystore = await cohort(['node', '--coordinator', '127.0.0.1:1', '--site', 'cleveland', '--insecure']);
    expect(noKeystore).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cohort: --keystore DIR is required: the clinic signs every call with its enrolled identity (cohort keys init)'),
    });
    const noTls = await cohort(['node', '--coordinator', '127.0.0.1:1', '--site', 'cleveland', '--keystore', keystore]);
    expect(noTls).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('cohort: calling the coordinator needs (--tls-ca ca.pem [--tls-cert clinic.pem --tls-key clinic-key.pem] | --insecure)'),
    });
    const plainCoordinator = await cohort(['coordinator', '--grpc-port', '0', '--http-port', '0', '--db', join(dir, 'coordinator.sqlite')]);
    expect(plainCoordinator).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'cohort: the coordinator serves clinics over TLS: (--tls-cert coordinator.pem --tls-key coordinator-key.pem [--tls-ca ca.pem --mtls] | --insecure) (cohort certs init writes the files)',
      ),
    });
    const unknownSite = await node('--site', 'mayo');
    expect(unknownSite.code).toBe(1);
    expect(unknownSite.stderr).toContain('cohort: unknown site "mayo" for dataset fed-heart-disease (sites: cleveland, hungarian, switzerland, va)');
    const badStrategy = await cohort(['simulate', '--strategy', 'fedmagic']);
    expect(badStrategy.code).toBe(1);
    expect(badStrategy.stderr).toContain('strategy.name "fedmagic" is unknown');
    const badFlag = await cohort(['simulate', '--rounds', 'many']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--rounds must be a number, got "many"');
    const halfBudget = await node('--site', 'cleveland', '--budget-epsilon', '1');
    expect(halfBudget).toMatchObject({ code: 2, stderr: expect.stringContaining('cohort: a privacy budget needs both --budget-epsilon and --budget-delta') });
    const badDelta = await node('--site', 'cleveland', '--budget-epsilon', '1', '--budget-delta', '1.5');
    expect(badDelta).toMatchObject({ code: 2, stderr: expect.stringContaining('cohort: --budget-delta must be in (0, 1), got "1.5"') });
    const badPrivacy = await cohort(['simulate', '--privacy', 'dp', '--delta', '2']);
    expect(badPrivacy).toMatchObject({ code: 1, stderr: expect.stringContaining('dp.delta must be below 1, got 2') });
    const badBudget = await cohort(['simulate', '--privacy', 'dp', '--clinic-budget', 'mayo=0.5']);
    expect(badBudget).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cohort: clinic budget for unknown site "mayo" (sites: cleveland, hungarian, switzerland, va)'),
    });
    const badPair = await cohort(['simulate', '--privacy', 'dp', '--clinic-budget', 'va']);
    expect(badPair).toMatchObject({ code: 2, stderr: expect.stringContaining('--clinic-budget takes site=epsilon pairs separated by commas, got "va"') });
    const noDp = await cohort(['simulate', '--target-epsilon', '1']);
    expect(noDp).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('dp settings need privacy "dp", "he+dp" or "secagg+dp", the study\'s privacy is "none"'),
    });
    const badDropout = await cohort(['simulate', '--privacy', 'secagg', '--dropout', '1.5']);
    expect(badDropout).toMatchObject({ code: 2, stderr: expect.stringContaining('--dropout takes a probability in [0, 1), got "1.5"') });
    const missingData = await cohort(['simulate', '--data-dir', '/nonexistent']);
    expect(missingData.code).toBe(1);
    expect(missingData.stderr).toContain('missing data file processed.cleveland.data: looked in /nonexistent/uci-heart-disease and /nonexistent');
  });

  it("privacy epsilon and noise print the accountant's answer, with --json one JSON object last; bad flags exit 2", async () => {
    const epsilon = await cohort([
      'privacy',
      'epsilon',
      '--sampling-rate',
      '0.0025',
      '--noise-multiplier',
      '1.3',
      '--steps',
      '6000',
      '--delta',
      '1e-5',
      '--convention',
      'tf-privacy',
      '--json',
    ]);
    expect(epsilon.code).toBe(0);
    const answer = JSON.parse(epsilon.stdout.trim().split('\n').at(-1)!);
    expect(answer).toMatchObject({ best_order: 19, convention: 'tf-privacy' });
    expect(Math.abs(answer.epsilon - 0.7242234026109595) / 0.7242234026109595).toBeLessThan(1e-9);
    const noise = await cohort(['privacy', 'noise', '--target-epsilon', '1', '--sampling-rate', '0.01', '--steps', '1000', '--delta', '1e-5', '--json']);
    const calibrated = JSON.parse(noise.stdout.trim().split('\n').at(-1)!);
    expect(calibrated).toMatchObject({ convention: 'dp-accounting', best_order: expect.any(Number) });
    expect(calibrated.epsilon).toBeLessThanOrEqual(1);
    const bad = await cohort(['privacy', 'epsilon', '--sampling-rate', '2', '--noise-multiplier', '1', '--steps', '1', '--delta', '1e-5']);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('cohort: --sampling-rate must be in (0, 1], got "2"') });
    const unknown = await cohort([
      'privacy',
      'epsilon',
      '--sampling-rate',
      '0.1',
      '--noise-multiplier',
      '1',
      '--steps',
      '1',
      '--delta',
      '1e-5',
      '--convention',
      'moments',
    ]);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown accounting convention "moments"') });
  });
});
