import { beforeEach, describe, expect, it } from '@jest/globals';
import { conventionByName, epsilonFor, epsilonFromRdp, RdpAccountant, sampledGaussianRdp } from '../dp/index.js';
import { createIdentity } from '../identity/index.js';
import {
  accountantRecord,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  LedgerChain,
  LedgerError,
  LedgerVerifier,
  parseLedgerEntry,
  verifyLedger,
  type AccountantRecord,
  type DistributedGaussianMechanism,
  type LedgerEntry,
} from './index.js';
import { distributedGaussianMechanism, dpSgdMechanism } from './test-fixtures.js';

const clinic = createIdentity('cleveland');
// Fixtures are built in beforeEach, not at load time: what a test file computes while loading counts
// as 'static' in mutation testing, and every static mutant reruns every test.
let accountant: AccountantRecord;
beforeEach(() => {
  accountant = accountantRecord(conventionByName('dp-accounting'));
});
const delta = 1e-3;
const cap = 1;

/** Spends rounds until one would pass the cap: that one is refused. Two studies share the budget. */
function ledger(): LedgerEntry[] {
  const chain = LedgerChain.empty(clinic);
  let round = 1;
  for (;;) {
    const studyId = round <= 2 ? 'study-a' : 'study-b';
    const m = dpSgdMechanism(3, 300);
    const { requested } = chain.quote(accountant, delta, m);
    const over = requested! > cap;
    chain.append({
      kind: over ? 'refusal' : 'spend',
      studyId,
      round,
      mechanism: m,
      accountant,
      delta,
      capEpsilon: cap,
      reason: over ? `would reach epsilon ${requested}` : null,
    });
    if (over) break;
    round++;
  }
  chain.append({
    kind: 'refusal',
    studyId: 'plain-study',
    round: 1,
    mechanism: null,
    accountant,
    delta,
    capEpsilon: cap,
    reason: 'the study is not differentially private',
  });
  return JSON.parse(JSON.stringify(chain.entries())) as LedgerEntry[];
}

const problemsOf = (entries: unknown[]) => verifyLedger('cleveland', entries, clinic.signing.publicKey).problems.map((p) => `${p.entry} ${p.problem}`);

describe('privacy ledger', () => {
  let entries: LedgerEntry[];
  beforeEach(() => {
    entries = ledger();
  });

  it('chains signed spends across studies, refuses the round that would pass the cap, and verifies', () => {
    const kinds = entries.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'spend').length).toBeGreaterThanOrEqual(3);
    expect(kinds.slice(-2)).toEqual(['refusal', 'refusal']);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    const spends = entries.filter((e) => e.kind === 'spend');
    // The total after k identical spends is the accountant's epsilon for k times the steps.
    spends.forEach((entry, k) => expect(entry.epsilon).toBeCloseTo(epsilonFor({ q: 0.02, noiseMultiplier: 3, steps: 300 * (k + 1) }, delta).epsilon, 12));
    expect(spends.at(-1)!.epsilon).toBeLessThanOrEqual(cap);
    const refusal = entries.at(-2)!;
    expect(refusal.requestedEpsilon!).toBeGreaterThan(cap);
    expect(refusal.epsilon).toBe(spends.at(-1)!.epsilon);
    expect(entries.at(-1)!.requestedEpsilon).toBeNull();
    const result = verifyLedger('cleveland', entries, clinic.signing.publicKey);
    expect(result).toMatchObject({
      ok: true,
      entries: entries.length,
      spends: spends.length,
      refusals: 2,
      epsilon: spends.at(-1)!.epsilon,
      delta,
      capEpsilon: cap,
    });
  });

  it('names the entry that was edited, deleted, inserted or reordered', () => {
    const edited = structuredClone(entries);
    edited[1]!.mechanism!.noiseMultiplier = 4;
    expect(problemsOf(edited)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^entry #1 \(study study-a round 2, spend\) signature does not verify/),
        expect.stringMatching(/^entry #1 .* records epsilon .* recompute to/),
        expect.stringMatching(/^entry #2 .* does not chain to the entry before it/),
      ]),
    );

    const lowered = structuredClone(entries);
    lowered[2]!.epsilon = 0.1;
    expect(problemsOf(lowered)[0]).toMatch(/^entry #2 \(study study-b round 3, spend\) signature does not verify/);

    const deleted = entries.filter((_, i) => i !== 1);
    expect(problemsOf(deleted)).toEqual([
      expect.stringMatching(/^entry #2 .* is at position 1 of the ledger: entries before it were deleted/),
      expect.stringMatching(/^entry #2 .* does not chain/),
      expect.stringMatching(/^entry #2 .* records epsilon/),
      expect.stringMatching(/^entry #2 .* records requested epsilon/),
      ...problemsOf(deleted).slice(4),
    ]);

    const reordered = [entries[0], entries[2], entries[1], ...entries.slice(3)];
    expect(problemsOf(reordered)[0]).toMatch(/^entry #2 .* is at position 1/);

    const foreign = LedgerChain.empty(createIdentity('cleveland')).append({
      kind: 'spend',
      studyId: 'x',
      round: 1,
      mechanism: dpSgdMechanism(3, 100),
      accountant,
      delta,
      capEpsilon: cap,
      reason: null,
    });
    expect(problemsOf([foreign])).toEqual([expect.stringMatching(/^entry #0 \(study x round 1, spend\) signature does not verify with cleveland's key/)]);
    expect(problemsOf([{ ...entries[0], extra: 1 }])).toEqual(['entry at position 0 ledger entry: unknown field extra']);
  });

  it('flags a refusal that fit the cap and a spend over it, even when signed by the clinic', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append({ kind: 'refusal', studyId: 's', round: 1, mechanism: dpSgdMechanism(3, 100), accountant, delta, capEpsilon: cap, reason: 'no reason' });
    chain.append({ kind: 'spend', studyId: 's', round: 2, mechanism: dpSgdMechanism(0.5, 1000), accountant, delta, capEpsilon: cap, reason: null });
    expect(problemsOf([...chain.entries()])).toEqual([
      expect.stringMatching(/^entry #0 .* refused a round that fit the cap/),
      expect.stringMatching(/^entry #1 .* spends up to epsilon .* above the clinic's cap of 1/),
    ]);
  });

  it('recomputes under the accountant each entry records, whatever the convention', () => {
    const opacus = accountantRecord(conventionByName('tf-privacy-legacy'));
    const chain = LedgerChain.empty(clinic);
    chain.append({ kind: 'spend', studyId: 's', round: 1, mechanism: dpSgdMechanism(2, 100), accountant: opacus, delta, capEpsilon: 10, reason: null });
    chain.append({ kind: 'spend', studyId: 's', round: 2, mechanism: dpSgdMechanism(1.5, 100), accountant, delta, capEpsilon: 10, reason: null });
    const [first, second] = chain.entries();
    expect(first!.epsilon).toBe(epsilonFor({ q: 0.02, noiseMultiplier: 2, steps: 100 }, delta, 'tf-privacy-legacy').epsilon);
    const both = new RdpAccountant('dp-accounting').compose({ q: 0.02, noiseMultiplier: 2, steps: 100 }).compose({ q: 0.02, noiseMultiplier: 1.5, steps: 100 });
    expect(second!.epsilon).toBe(both.epsilon(delta).epsilon);
    expect(verifyLedger('cleveland', [...chain.entries()], clinic.signing.publicKey).ok).toBe(true);
  });

  it('verifies incrementally: a copy takes new entries without touching what it was copied from', () => {
    const verifier = new LedgerVerifier('cleveland', clinic.signing.publicKey);
    entries.slice(0, 3).forEach((e) => verifier.push(e));
    const good = verifier.copy();
    entries.slice(3).forEach((e) => good.push(e));
    expect(good.result()).toEqual(verifyLedger('cleveland', entries, clinic.signing.publicKey));
    const bad = verifier.copy();
    bad.push(entries[4]);
    expect(bad.result().problems[0]!.problem).toMatch(/^is at position 3/);
    expect(verifier.result()).toMatchObject({ ok: true, entries: 3 });
    expect(verifier.headHash).toBe(entryHash(entries[2]!));
  });

  it('replays a stored ledger, and refuses one that does not verify', () => {
    const chain = LedgerChain.replay(clinic, entries);
    expect(chain.entries()).toHaveLength(entries.length);
    const next = chain.append({
      kind: 'refusal',
      studyId: 'c',
      round: 1,
      mechanism: dpSgdMechanism(3, 300),
      accountant,
      delta,
      capEpsilon: cap,
      reason: 'over',
    });
    expect(next.seq).toBe(entries.length);
    expect(verifyLedger('cleveland', [...entries, next], clinic.signing.publicKey).ok).toBe(true);
    expect(() => LedgerChain.replay(clinic, entries.slice(1))).toThrow(LedgerError);
    expect(() => LedgerChain.replay(clinic, entries.slice(1))).toThrow(
      /^the privacy ledger of cleveland does not verify: entry #1 .* is at position 0 .* more problems\)$/,
    );
  });

  it('signs canonical JSON: key order does not matter, non-finite numbers are refused', () => {
    expect(canonicalJson({ b: [1, { d: null, c: 'x' }], a: 0.1 })).toBe('{"a":0.1,"b":[1,{"c":"x","d":null}]}');
    expect(() => canonicalJson({ a: Infinity })).toThrow(/cannot hold the number Infinity/);
    const shuffled = Object.fromEntries(Object.entries(entries[0]!).reverse());
    expect(verifyLedger('cleveland', [shuffled, ...entries.slice(1)], clinic.signing.publicKey).ok).toBe(true);
    expect(() => parseLedgerEntry({ ...entries[0], kind: 'gift' })).toThrow('ledger entry: kind must be "spend" or "refusal", got "gift"');
    expect(() => parseLedgerEntry({ ...entries[0], mechanism: { ...entries[0]!.mechanism, sampling: 'shuffle' } })).toThrow(
      'mechanism: sampling must be "poisson", got "shuffle"',
    );
  });

  describe('distributed-Gaussian rounds (secagg+dp)', () => {
    /** R rounds of a distributed study at noise multiplier z, after a DP-SGD spend; a tamperable copy. */
    function mixed(z: number, rounds: number): LedgerEntry[] {
      const chain = LedgerChain.empty(clinic);
      chain.append({ kind: 'spend', studyId: 'dp-sgd', round: 1, mechanism: dpSgdMechanism(3, 300), accountant, delta, capEpsilon: 10, reason: null });
      for (let r = 1; r <= rounds; r++)
        chain.append({
          kind: 'spend',
          studyId: 'secagg',
          round: r,
          mechanism: distributedGaussianMechanism(z),
          accountant,
          delta,
          capEpsilon: 10,
          reason: null,
        });
      return JSON.parse(JSON.stringify(chain.entries())) as LedgerEntry[];
    }

    it('accounts a round as the Gaussian mechanism without sampling: RDP exactly α/(2z²) at every order', () => {
      for (const order of [1.1, 2, 3.7, 64, 1024]) expect(sampledGaussianRdp(1, 1.7, order, 'abs')).toBe(order / (2 * 1.7 ** 2));
    });

    it('R rounds cost what one Gaussian of noise z/√R costs (zCDP ρ = R/(2z²)), whatever the convention', () => {
      const z = 4;
      const rounds = 9;
      for (const name of ['dp-accounting', 'tf-privacy-legacy'] as const) {
        const record = accountantRecord(conventionByName(name));
        const chain = LedgerChain.empty(clinic);
        for (let r = 1; r <= rounds; r++)
          chain.append({
            kind: 'spend',
            studyId: 's',
            round: r,
            mechanism: distributedGaussianMechanism(z),
            accountant: record,
            delta,
            capEpsilon: 10,
            reason: null,
          });
        // ρ-zCDP is the RDP curve ρα; σ_eff = z/√R gives ρ = Δ²/(2 (σ_eff Δ)²) = R/(2z²).
        const rho = 1 / (2 * (z / Math.sqrt(rounds)) ** 2);
        const expected = epsilonFromRdp(
          record.orders,
          record.orders.map((order) => rho * order),
          delta,
          record.conversion,
        ).epsilon;
        const recorded = chain.entries().at(-1)!.epsilon;
        expect(Math.abs(recorded - expected) / expected).toBeLessThan(1e-9);
        expect(recorded).toBeCloseTo(epsilonFor({ q: 1, noiseMultiplier: z / Math.sqrt(rounds), steps: 1 }, delta, name).epsilon, 9);
      }
    });

    it('a chain mixing DP-SGD and distributed spends verifies, each composed under its own mechanism', () => {
      const entries = mixed(4, 5);
      const both = new RdpAccountant('dp-accounting').compose({ q: 0.02, noiseMultiplier: 3, steps: 300 }).compose({ q: 1, noiseMultiplier: 4, steps: 5 });
      expect(entries.at(-1)!.epsilon).toBeCloseTo(both.epsilon(delta).epsilon, 12);
      expect(entries.at(-1)!.mechanism).toEqual(distributedGaussianMechanism(4));
      expect(verifyLedger('cleveland', entries, clinic.signing.publicKey)).toMatchObject({ ok: true, entries: 6, spends: 6 });
      expect(LedgerChain.replay(clinic, entries).entries()).toHaveLength(6);
    });

    it('names a distributed entry whose noise multiplier was changed', () => {
      const entries = mixed(4, 5);
      (entries[2]!.mechanism as DistributedGaussianMechanism).noiseMultiplier = 8;
      expect(problemsOf(entries)).toEqual([
        expect.stringMatching(/^entry #2 \(study secagg round 2, spend\) signature does not verify/),
        expect.stringMatching(/^entry #2 .* records epsilon .* its spends recompute to/),
        expect.stringMatching(/^entry #2 .* records requested epsilon/),
        expect.stringMatching(/^entry #3 .* does not chain to the entry before it/),
        // Later totals were computed with the true z: against the lower recomputation they differ too.
        ...problemsOf(entries).slice(4),
      ]);
      expect(
        problemsOf(entries)
          .slice(4)
          .every((p) => /^entry #[345] .* records (requested )?epsilon/.test(p)),
      ).toBe(true);
    });

    it('parses field by field, with the field named', () => {
      const [, entry] = mixed(4, 1);
      const withMechanism = (change: Record<string, unknown>) => ({ ...entry, mechanism: { ...entry!.mechanism, ...change } });
      expect(parseLedgerEntry(withMechanism({})).mechanism).toEqual(distributedGaussianMechanism(4));
      expect(() => parseLedgerEntry(withMechanism({ type: 'laplace' }))).toThrow('mechanism: type must be "dp-sgd" or "distributed-gaussian", got "laplace"');
      expect(() => parseLedgerEntry(withMechanism({ unit: 'clinic' }))).toThrow('mechanism: unit must be "patient", got "clinic"');
      expect(() => parseLedgerEntry(withMechanism({ steps: 2 }))).toThrow('mechanism: steps must be 1, got 2');
      expect(() => parseLedgerEntry(withMechanism({ noiseMultiplier: 0 }))).toThrow('mechanism: noiseMultiplier must be a number > 0, got 0');
      expect(() => parseLedgerEntry(withMechanism({ clipNorm: -1 }))).toThrow('mechanism: clipNorm must be a number > 0, got -1');
      expect(() => parseLedgerEntry(withMechanism({ sensitivity: 0.5 }))).toThrow('mechanism: sensitivity must be a number equal to 2 × clipNorm (1), got 0.5');
      expect(() => parseLedgerEntry(withMechanism({ contributors: 0 }))).toThrow('mechanism: contributors must be an integer >= 1, got 0');
      expect(() => parseLedgerEntry(withMechanism({ contributors: 2.5 }))).toThrow('mechanism: contributors must be an integer >= 1, got 2.5');
      expect(() => parseLedgerEntry(withMechanism({ records: undefined }))).toThrow('mechanism: records must be an integer >= 1, got undefined');
      expect(() => parseLedgerEntry(withMechanism({ samplingRate: 1 }))).toThrow('mechanism: unknown field samplingRate');
      expect(() => parseLedgerEntry({ ...entries[0], mechanism: { ...entries[0]!.mechanism, contributors: 3 } })).toThrow(
        'mechanism: unknown field contributors',
      );
    });
  });
});
