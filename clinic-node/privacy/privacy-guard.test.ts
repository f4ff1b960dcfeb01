import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateNoise, createIdentity, entryHash, epsilonFor, GENESIS_HASH, verifyLedger, type LedgerEntry } from '../../crypto/index.js';
import type { FederationClient } from '../client/federation-client.js';
import { LedgerFile } from './ledger-file.js';
import { PrivacyGuard } from './privacy-guard.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const identity = createIdentity('cleveland');
const dp = { targetEpsilon: 1, delta: 1e-3, clipNorm: 1, totalSteps: 300 };
const round = (studyId: string, n: number, withDp = true) => ({ studyId, round: n, dp: withDp ? dp : null, batchSize: 4, localSteps: 100 });
/** A secagg+dp study of 6 rounds (totalSteps = rounds), the whole update clipped to 0.5. */
const secaggDp = { targetEpsilon: 1, delta: 1e-3, clipNorm: 0.5, totalSteps: 6 };
const distributedRound = (studyId: string, n: number, contributors = 3) => ({ ...round(studyId, n), dp: secaggDp, distributed: { contributors } });

describe('the clinic privacy guard', () => {
  it('spends within its cap at the calibrated noise, fits a later study to what is left, then refuses; all of it in a ledger that verifies and survives a restart', () => {
    const path = join(dir, 'capped.jsonl');
    const guard = new PrivacyGuard(LedgerFile.open(path, identity), { epsilon: 1.2, delta: 1e-3 });
    const z = calibrateNoise(1, 4 / 199, 300, 1e-3).noiseMultiplier;
    const decisions = [1, 2, 3].map((n) => guard.decide(round('a', n), 199));
    expect(decisions.map((d) => d.train)).toEqual([true, true, true]);
    expect(decisions[0]).toMatchObject({ dp: { clipNorm: 1, noiseMultiplier: z, samplingRate: 4 / 199 } });
    expect(guard.spent()!.epsilon).toBeCloseTo(1, 5); // the study's target, all three rounds
    expect(decisions[0]).not.toHaveProperty('note');
    // A second study of the same target gets what is left of 1.2: more noise from its first round on, every round trained.
    const second = [1, 2, 3].map((n) => guard.decide(round('b', n), 199));
    expect(second.map((d) => d.train)).toEqual([true, true, true]);
    const noise = second.map((d) => (d.train ? d.dp!.noiseMultiplier : NaN));
    expect(noise[0]).toBeGreaterThan(z);
    for (const later of noise.slice(1)) expect(later).toBeCloseTo(noise[0]!, 4);
    expect(second[0]).toMatchObject({
      note: `the cap of 1.2 (delta 0.001) leaves epsilon ${(1.2 - 1).toPrecision(4)} for the study's 3 remaining rounds: noise multiplier ${noise[0]!.toPrecision(4)} instead of the study's ${z.toPrecision(4)}`,
    });
    expect(guard.spent()!.epsilon).toBeLessThanOrEqual(1.2);
    expect(guard.spent()!.epsilon).toBeGreaterThan(1.2 - 1e-4);
    // Nothing is left for a third: refused at its first round, saying why, instead of spending rounds that will not finish.
    expect(guard.decide(round('c', 1), 199)).toMatchObject({
      train: false,
      reason: expect.stringMatching(
        /^the cap of 1\.2 \(delta 0\.001\) leaves epsilon [\d.e-]+ for the study's 3 remaining rounds: even 10 times the study's noise \(multiplier [\d.]+\) would pass it; this clinic sits the study out$/,
      ),
    });
    const plain = guard.decide(round('d', 1, false), 199);
    expect(plain).toMatchObject({ train: false, reason: "study d is not differentially private; this clinic's privacy budget admits only DP training" });
    const reopened = LedgerFile.open(path, identity).entries();
    expect(reopened.map((e) => e.kind)).toEqual(['spend', 'spend', 'spend', 'spend', 'spend', 'spend', 'refusal', 'refusal']);
    expect(reopened.at(-1)!.mechanism).toBeNull();
    expect(verifyLedger('cleveland', [...reopened], identity.signing.publicKey).ok).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("secagg+dp: calibrates z unsampled over the study's rounds, hands out each clinic's noise share, fits a later study to what the cap leaves", () => {
    const path = join(dir, 'distributed.jsonl');
    const cap = 1.3;
    const guard = new PrivacyGuard(LedgerFile.open(path, identity), { epsilon: cap, delta: 1e-3 });
    const z = calibrateNoise(1, 1, 6, 1e-3).noiseMultiplier;
    const study = [1, 2, 3, 4, 5, 6].map((n) => guard.decide(distributedRound('a', n), 199));
    expect(study.every((d) => d.train)).toBe(true);
    // The three shares sum to noise of std z Δ, Δ = 2C: each is z · 2 · 0.5 / √3.
    expect(study[0]).toEqual({
      train: true,
      dp: null,
      distributed: { clipNorm: 0.5, noiseStd: z / Math.sqrt(3), contributors: 3 },
      entry: expect.objectContaining({ kind: 'spend' }),
    });
    expect(study[0]!.entry!.mechanism).toEqual({
      type: 'distributed-gaussian',
      unit: 'patient',
      relation: 'add-remove',
      noiseMultiplier: z,
      clipNorm: 0.5,
      sensitivity: 1,
      contributors: 3,
      steps: 1,
      records: 199,
    });
    expect(guard.spent()!.epsilon).toBeCloseTo(1, 5); // the study's target, all six rounds
    expect(guard.spent()!.epsilon).toBeLessThanOrEqual(1);

    // A second study at the same target gets what is left of the cap: each clinic's share of more noise, all six rounds.
    const second = [1, 2, 3, 4, 5, 6].map((n) => guard.decide(distributedRound('b', n, 5), 199));
    expect(second.every((d) => d.train)).toBe(true);
    const raised = second[0]!.entry!.mechanism!.noiseMultiplier;
    expect(raised).toBeGreaterThan(z);
    expect(second[0]).toMatchObject({
      distributed: { clipNorm: 0.5, noiseStd: raised / Math.sqrt(5), contributors: 5 },
    });
    expect((second[0] as { note: string }).note).toMatch(
      /^the cap of 1\.3 \(delta 0\.001\) leaves epsilon 0\.3\d* for the study's 6 remaining rounds: noise multiplier /,
    );
    expect(guard.spent()!.epsilon).toBeLessThanOrEqual(cap);
    expect(guard.spent()!.epsilon).toBeGreaterThan(cap - 1e-4);

    // DP-SGD rounds draw on the same budget and the ledger, both kinds mixed, verifies.
    expect(guard.decide(round('c', 1), 199)).toMatchObject({ train: false });
    const reopened = LedgerFile.open(path, identity).entries();
    expect(reopened.filter((e) => e.kind === 'spend')).toHaveLength(12);
    expect(reopened.at(-1)!.mechanism!.type).toBe('dp-sgd');
    expect(verifyLedger('cleveland', [...reopened], identity.signing.publicKey).ok).toBe(true);
  });

  it("a cap below the study's target: more noise from round 1 so every round fits, the same after a restart", () => {
    const path = join(dir, 'small-cap.jsonl');
    const budget = { epsilon: 0.5, delta: 1e-3 };
    const z = calibrateNoise(1, 4 / 199, 300, 1e-3).noiseMultiplier;
    const first = new PrivacyGuard(LedgerFile.open(path, identity), budget).decide(round('a', 1), 199);
    expect(first).toMatchObject({
      train: true,
      note: expect.stringMatching(/^the cap of 0\.5 \(delta 0\.001\) leaves epsilon 0\.5000 for the study's 3 remaining rounds: /),
    });
    const raised = first.train ? first.dp!.noiseMultiplier : NaN;
    // The study's own noise reaches its target of 1 over three rounds; twice the cap, so the clinic needs more.
    expect(raised).toBeGreaterThan(z);
    expect(epsilonFor({ q: 4 / 199, noiseMultiplier: raised, steps: 300 }, 1e-3).epsilon).toBeCloseTo(0.5, 6);
    // A restarted node reads its ledger and keeps to the same noise for the rounds left.
    const restarted = new PrivacyGuard(LedgerFile.open(path, identity), budget);
    const rest = [2, 3].map((n) => restarted.decide(round('a', n), 199));
    for (const d of rest) expect(d.train ? d.dp!.noiseMultiplier : NaN).toBeCloseTo(raised, 4);
    expect(restarted.spent()!.epsilon).toBeLessThanOrEqual(0.5);
    expect(restarted.spent()!.epsilon).toBeGreaterThan(0.5 - 1e-4);
  });

  it('secagg+dp: refuses without a budget on the record, and refuses a contributors floor that is not a whole number >= 1', () => {
    const guard = new PrivacyGuard(LedgerFile.open(join(dir, 'distributed-uncapped.jsonl'), identity), null);
    expect(guard.decide(distributedRound('a', 1), 199)).toMatchObject({
      train: false,
      entry: { kind: 'refusal', mechanism: { type: 'distributed-gaussian' } },
    });
    const capped = new PrivacyGuard(LedgerFile.open(join(dir, 'distributed-bad.jsonl'), identity), { epsilon: 1, delta: 1e-3 });
    for (const contributors of [0, 2.5]) {
      expect(() => capped.decide(distributedRound('a', 1, contributors), 199)).toThrow(
        new RangeError(`a secagg+dp round needs contributors to be a whole number >= 1, got ${contributors}`),
      );
    }
  });

  it('without a budget trains plain studies unrecorded and refuses DP studies on the record', () => {
    const guard = new PrivacyGuard(LedgerFile.open(join(dir, 'uncapped.jsonl'), identity), null);
    expect(guard.decide(round('plain', 1, false), 199)).toEqual({ train: true, dp: null, distributed: null, entry: null });
    const refused = guard.decide(round('private', 1), 199);
    expect(refused).toMatchObject({ train: false, reason: 'this clinic has no privacy budget configured (cohort node --budget-epsilon E --budget-delta D)' });
    expect(refused.entry).toMatchObject({ kind: 'refusal', capEpsilon: 0, delta: 1e-3, epsilon: 0 });
    expect(guard.spent()).toBeNull();
  });

  it('sends the coordinator what it lacks; a decision it never received is not made twice, one it received is', async () => {
    const ledger = LedgerFile.open(join(dir, 'sync.jsonl'), identity);
    const guard = new PrivacyGuard(ledger, { epsilon: 5, delta: 1e-3 });
    const stored: string[] = [];
    let reachable = false;
    const head = () => ({
      clinicId: 'cleveland',
      entries: stored.length,
      headHash: stored.length ? entryHash(JSON.parse(stored.at(-1)!) as LedgerEntry) : GENESIS_HASH,
    });
    const client = {
      getLedgerHead: async () => {
        if (!reachable) throw Object.assign(new Error('14 UNAVAILABLE: connection refused'), { code: 14 });
        return head();
      },
      appendLedgerEntries: async (_: string, entries: string[]) => (stored.push(...entries), head()),
    } as unknown as FederationClient;

    const first = guard.decide(round('a', 1), 199);
    await expect(guard.sync(client, 'cleveland')).rejects.toThrow('UNAVAILABLE');
    // The task comes back after the reconnect: the unsent spend stands, nothing was trained on it.
    expect(guard.decide(round('a', 1), 199)).toBe(first);
    expect(ledger.entries()).toHaveLength(1);
    reachable = true;
    expect(await guard.sync(client, 'cleveland')).toBe(1);
    // Once the coordinator had it, the update may have gone out: a retry spends again.
    guard.decide(round('a', 1), 199);
    expect(ledger.entries()).toHaveLength(2);
    expect(await guard.sync(client, 'cleveland')).toBe(1);
    expect(stored.map((text) => (JSON.parse(text) as LedgerEntry).seq)).toEqual([0, 1]);

    stored.push(stored[0]!, stored[1]!);
    await expect(guard.sync(client, 'cleveland')).rejects.toThrow(
      "the coordinator's copy of cleveland's privacy ledger (4 entries) is not a prefix of the local ledger (2 entries): is this node using the right ledger file?",
    );
  });

  it('drops an entry cut short by a crash mid-write, and only that', () => {
    const path = join(dir, 'torn.jsonl');
    const guard = new PrivacyGuard(LedgerFile.open(path, identity), { epsilon: 5, delta: 1e-3 });
    guard.decide(round('a', 1), 199);
    guard.decide(round('a', 2), 199);
    const whole = readFileSync(path, 'utf8');
    const lines = whole.trimEnd().split('\n');
    writeFileSync(path, `${lines[0]}\n${lines[1]!.slice(0, 100)}`);
    const repairs: string[] = [];
    const reopened = LedgerFile.open(path, identity, (message) => repairs.push(message));
    expect(reopened.entries()).toHaveLength(1);
    expect(repairs).toEqual([`${path}: removed an entry cut short by an interrupted write (100 bytes); the node never acted on it`]);
    expect(readFileSync(path, 'utf8')).toBe(`${lines[0]}\n`);
    // A last entry complete but for its newline is kept; a broken line before the last is tampering.
    writeFileSync(path, `${lines[0]}\n${lines[1]}`);
    expect(LedgerFile.open(path, identity).entries()).toHaveLength(2);
    writeFileSync(path, `${lines[0]!.slice(0, 50)}\n${lines[1]}\n`);
    expect(() => LedgerFile.open(path, identity)).toThrow(`${path}: line 1 is not JSON`);
  });

  it('refuses a budget it cannot enforce', () => {
    const ledger = LedgerFile.open(join(dir, 'bad.jsonl'), identity);
    expect(() => new PrivacyGuard(ledger, { epsilon: 1, delta: 2 })).toThrow('a privacy budget needs epsilon >= 0 and delta in (0, 1), got epsilon 1, delta 2');
  });
});
