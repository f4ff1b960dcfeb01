import { beforeEach, describe, expect, it } from '@jest/globals';
import { conventionByName, epsilonFor } from '../dp/index.js';
import { createIdentity } from '../identity/index.js';
import {
  accountantRecord,
  entryHash,
  EPSILON_TOLERANCE,
  LedgerChain,
  ledgerSummary,
  LedgerVerifier,
  signEntry,
  verifyLedger,
  type AccountantRecord,
  type LedgerDecision,
  type LedgerEntry,
} from './index.js';
import { dpSgdMechanism } from './test-fixtures.js';

// The boundaries an auditor relies on: a spend exactly at its cap is legal, a refusal exactly at its
// cap is not, and every epsilon an entry states (spent and requested) must match its recomputation.

const clinic = createIdentity('leuven');
const delta = 1e-3;

// Fixtures are built in beforeEach, not at load time: what a test file computes while loading counts
// as 'static' in mutation testing, and every static mutant reruns every test.
let accountant: AccountantRecord;
/** What one and two spends of `dpSgdMechanism()` cost from an empty ledger. */
let oneRound: number;
let twoRounds: number;
beforeEach(() => {
  accountant = accountantRecord(conventionByName('dp-accounting'));
  oneRound = epsilonFor({ q: 0.02, noiseMultiplier: 3, steps: 300 }, delta).epsilon;
  twoRounds = epsilonFor({ q: 0.02, noiseMultiplier: 3, steps: 600 }, delta).epsilon;
});

function decision(kind: 'spend' | 'refusal', capEpsilon: number, round = 1): LedgerDecision {
  return { kind, studyId: 's', round, mechanism: dpSgdMechanism(), accountant, delta, capEpsilon, reason: kind === 'refusal' ? 'over the cap' : null };
}

const problemsOf = (entries: readonly unknown[]) => verifyLedger('leuven', entries, clinic.signing.publicKey).problems.map((p) => `${p.entry} ${p.problem}`);

/** The entry with some fields changed and signed again by the clinic: only the recomputation can catch it. */
function resigned(entry: LedgerEntry, change: Partial<LedgerEntry>): LedgerEntry {
  const { signature: _, ...body } = { ...entry, ...change };
  return signEntry(clinic, body);
}

/** The next double above (+1) or below (-1) a positive x. */
function nextDouble(x: number, direction: 1 | -1): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(direction));
  return view.getFloat64(0);
}

/** A cap c with c * (1 + tolerance) exactly equal to `requested` in doubles: the last cap a spend may sit on. */
function capAtTolerance(requested: number): number {
  let cap = requested / (1 + EPSILON_TOLERANCE);
  for (let i = 0; i < 64 && cap * (1 + EPSILON_TOLERANCE) !== requested; i++) cap = nextDouble(cap, cap * (1 + EPSILON_TOLERANCE) < requested ? 1 : -1);
  expect(cap * (1 + EPSILON_TOLERANCE)).toBe(requested);
  return cap;
}

describe('ledger verification at the cap', () => {
  it('a spend exactly at the cap verifies', () => {
    const chain = LedgerChain.empty(clinic);
    const entry = chain.append(decision('spend', oneRound));
    expect(entry.epsilon).toBe(oneRound);
    expect(entry.capEpsilon).toBe(oneRound);
    expect(problemsOf(chain.entries())).toEqual([]);
  });

  it('a spend above the cap by the relative tolerance verifies; one double further is flagged', () => {
    const cap = capAtTolerance(oneRound);
    expect(cap).toBeLessThan(oneRound);
    expect(problemsOf([LedgerChain.empty(clinic).append(decision('spend', cap))])).toEqual([]);
    const below = nextDouble(cap, -1);
    expect(problemsOf([LedgerChain.empty(clinic).append(decision('spend', below))])).toEqual([
      `entry #0 (study s round 1, spend) spends up to epsilon ${oneRound}, above the clinic's cap of ${below}`,
    ]);
  });

  it('a spend twice the tolerance over the cap is flagged', () => {
    const cap = oneRound / (1 + 2 * EPSILON_TOLERANCE);
    expect(problemsOf([LedgerChain.empty(clinic).append(decision('spend', cap))])).toEqual([
      `entry #0 (study s round 1, spend) spends up to epsilon ${oneRound}, above the clinic's cap of ${cap}`,
    ]);
  });

  it('a refusal whose round would land exactly on the cap is flagged: that round fit', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    const refusal = chain.append(decision('refusal', twoRounds, 2));
    expect(refusal.requestedEpsilon).toBe(twoRounds);
    expect(problemsOf(chain.entries())).toEqual([`entry #1 (study s round 2, refusal) refused a round that fit the cap (${twoRounds} <= ${twoRounds})`]);
  });

  it('a refusal whose round would pass the cap by one double verifies', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    chain.append(decision('refusal', nextDouble(twoRounds, -1), 2));
    expect(problemsOf(chain.entries())).toEqual([]);
  });
});

describe('ledger verification of recorded epsilons', () => {
  /** A spend then a refusal, both honest: the refusal records what was spent and what the round would have cost. */
  function spendThenRefusal(): LedgerEntry[] {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', oneRound));
    chain.append(decision('refusal', oneRound, 2));
    return [...chain.entries()];
  }

  it('an honest refusal records the epsilon spent before it and the total it asked for', () => {
    const [, refusal] = spendThenRefusal();
    expect(refusal!.epsilon).toBe(oneRound);
    expect(refusal!.requestedEpsilon).toBe(twoRounds);
    expect(verifyLedger('leuven', spendThenRefusal(), clinic.signing.publicKey)).toMatchObject({
      ok: true,
      entries: 2,
      spends: 1,
      refusals: 1,
      epsilon: oneRound,
    });
  });

  it("a refusal's recorded epsilon is checked against the spends before it", () => {
    const [spend, refusal] = spendThenRefusal();
    expect(problemsOf([spend, resigned(refusal!, { epsilon: 0 })])).toEqual([
      `entry #1 (study s round 2, refusal) records epsilon 0, the spends before it recompute to ${oneRound}`,
    ]);
    expect(problemsOf([spend, resigned(refusal!, { epsilon: oneRound * 2 })])).toEqual([
      `entry #1 (study s round 2, refusal) records epsilon ${oneRound * 2}, the spends before it recompute to ${oneRound}`,
    ]);
  });

  it('a first refusal must record epsilon 0, to within 1e-21', () => {
    const refusal = LedgerChain.empty(clinic).append(decision('refusal', 0));
    expect(refusal.epsilon).toBe(0);
    expect(problemsOf([resigned(refusal, { epsilon: 1e-22 })])).toEqual([]);
    // Exactly at the floor of the tolerance still verifies.
    expect(problemsOf([resigned(refusal, { epsilon: EPSILON_TOLERANCE * 1e-12 })])).toEqual([]);
    expect(problemsOf([resigned(refusal, { epsilon: 1e-20 })])).toEqual([
      'entry #0 (study s round 1, refusal) records epsilon 1e-20, the spends before it recompute to 0',
    ]);
  });

  it("a refusal's requested epsilon is checked: altered, missing, or given for a round that was not DP", () => {
    const [spend, refusal] = spendThenRefusal();
    const name = 'entry #1 (study s round 2, refusal)';
    expect(problemsOf([spend, resigned(refusal!, { requestedEpsilon: twoRounds * 1.5 })])).toEqual([
      `${name} records requested epsilon ${twoRounds * 1.5}, it recomputes to ${twoRounds}`,
    ]);
    expect(problemsOf([spend, resigned(refusal!, { requestedEpsilon: null })])).toEqual([
      `${name} records requested epsilon null, it recomputes to ${twoRounds}`,
    ]);
    const notDp = resigned(refusal!, { mechanism: null, requestedEpsilon: 3 });
    expect(problemsOf([spend, notDp])).toEqual([`${name} records requested epsilon 3, it recomputes to null`]);
    expect(problemsOf([spend, resigned(refusal!, { mechanism: null, requestedEpsilon: null })])).toEqual([]);
  });

  it("a spend's epsilon and requested epsilon are each checked against the recomputed total", () => {
    const spend = LedgerChain.empty(clinic).append(decision('spend', 10));
    const name = 'entry #0 (study s round 1, spend)';
    expect(problemsOf([resigned(spend, { epsilon: oneRound / 2 })])).toEqual([`${name} records epsilon ${oneRound / 2}, its spends recompute to ${oneRound}`]);
    expect(problemsOf([resigned(spend, { requestedEpsilon: oneRound / 2 })])).toEqual([
      `${name} records requested epsilon ${oneRound / 2}, it recomputes to ${oneRound}`,
    ]);
    expect(problemsOf([resigned(spend, { requestedEpsilon: null })])).toEqual([`${name} records requested epsilon null, it recomputes to ${oneRound}`]);
  });

  it('recorded epsilons may differ from the recomputation by the relative tolerance, not twice it', () => {
    const spend = LedgerChain.empty(clinic).append(decision('spend', 10));
    const within = oneRound * (1 + EPSILON_TOLERANCE / 2);
    const beyond = oneRound * (1 + 2 * EPSILON_TOLERANCE);
    expect(problemsOf([resigned(spend, { epsilon: within, requestedEpsilon: within })])).toEqual([]);
    expect(problemsOf([resigned(spend, { epsilon: oneRound * (1 - EPSILON_TOLERANCE / 2) })])).toEqual([]);
    expect(problemsOf([resigned(spend, { epsilon: beyond })])).toEqual([
      `entry #0 (study s round 1, spend) records epsilon ${beyond}, its spends recompute to ${oneRound}`,
    ]);
    const under = oneRound * (1 - 2 * EPSILON_TOLERANCE);
    expect(problemsOf([resigned(spend, { epsilon: under })])).toEqual([
      `entry #0 (study s round 1, spend) records epsilon ${under}, its spends recompute to ${oneRound}`,
    ]);
  });

  it('only spends count towards the budget: a refused round adds nothing', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', oneRound));
    chain.append(decision('refusal', oneRound, 2));
    chain.append(decision('refusal', oneRound, 3));
    const spend = chain.append(decision('spend', 10, 4));
    expect(chain.entries().map((e) => e.epsilon)).toEqual([oneRound, oneRound, oneRound, twoRounds]);
    expect(spend.requestedEpsilon).toBe(twoRounds);
    expect(verifyLedger('leuven', chain.entries(), clinic.signing.publicKey)).toMatchObject({
      ok: true,
      spends: 2,
      refusals: 2,
      epsilon: twoRounds,
      capEpsilon: 10,
      delta,
    });
  });
});

describe('ledger verification: positions, chain and results', () => {
  it('names the clinic an entry belongs to when it is not the ledger owner', () => {
    const other = createIdentity('ghent');
    const foreign = LedgerChain.empty(other).append(decision('spend', 10));
    expect(verifyLedger('leuven', [foreign], other.signing.publicKey).problems.map((p) => p.problem)).toEqual(["names clinic ghent, the ledger is leuven's"]);
  });

  it('a first entry that does not start at the genesis hash is named as such', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    const second = chain.append(decision('spend', 10, 2));
    const first = resigned(second, { seq: 0 });
    expect(problemsOf([first]).slice(0, 1)).toEqual(['entry #0 (study s round 2, spend) is first but does not start the chain']);
  });

  it('names a broken link by the first 12 hex digits of both hashes', () => {
    const chain = LedgerChain.empty(clinic);
    const first = chain.append(decision('spend', 10));
    const second = chain.append(decision('spend', 10, 2));
    const relinked = resigned(second, { prevHash: 'ab'.repeat(32) });
    expect(problemsOf([first, relinked])).toEqual([
      `entry #1 (study s round 2, spend) does not chain to the entry before it (prevHash abababababab…, that entry hashes to ${entryHash(first).slice(0, 12)}…)`,
    ]);
  });

  it('an unreadable entry is named by its position, and the next entry is not blamed for the broken chain', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    chain.append(decision('spend', 10, 2));
    const [first, second] = chain.entries();
    const result = verifyLedger('leuven', [{ ...first, seq: -1 }, second], clinic.signing.publicKey);
    expect(result.problems).toEqual([
      { index: 0, entry: 'entry at position 0', problem: 'ledger entry: seq must be an integer >= 0, got -1' },
      // Its spend is missing from the budget, so the second entry's totals no longer recompute.
      expect.objectContaining({ index: 1, problem: expect.stringMatching(/^records epsilon/) }),
      expect.objectContaining({ index: 1, problem: expect.stringMatching(/^records requested epsilon/) }),
    ]);
    expect(result).toMatchObject({ ok: false, entries: 2, spends: 1, refusals: 0 });
    expect(result.parsed).toEqual([second]);
  });

  it('an empty ledger verifies with nothing spent and no cap stated', () => {
    expect(verifyLedger('leuven', [], clinic.signing.publicKey)).toEqual({
      clinicId: 'leuven',
      ok: true,
      entries: 0,
      spends: 0,
      refusals: 0,
      epsilon: 0,
      delta: null,
      capEpsilon: null,
      problems: [],
      parsed: [],
    });
  });

  it('a verifier copy carries its problems, counts and budget, and leaves the original untouched', () => {
    const chain = LedgerChain.empty(clinic);
    const spend = chain.append(decision('spend', 10));
    const refusal = chain.append(decision('refusal', oneRound, 2));
    const verifier = new LedgerVerifier('leuven', clinic.signing.publicKey);
    verifier.push({ ...spend, signature: refusal.signature });
    verifier.push(refusal);
    const copy = verifier.copy();
    expect(copy.result()).toEqual(verifier.result());
    expect(copy.entries).toBe(2);
    expect(copy.headHash).toBe(verifier.headHash);
    copy.push(chain.append(decision('spend', 10, 3)));
    expect(copy.result()).toMatchObject({ entries: 3, spends: 2, refusals: 1, epsilon: twoRounds });
    expect(copy.result().problems).toEqual(verifier.result().problems);
    expect(verifier.result().problems.map((p) => p.index)).toEqual([0, 1]);
    expect(verifier.result()).toMatchObject({ entries: 2, spends: 1, refusals: 1, epsilon: oneRound });
  });

  it('ledgerSummary keeps the summary fields only', () => {
    const summary = { entries: 3, spends: 2, refusals: 1, epsilon: 0.5, delta: 1e-5, capEpsilon: 1 };
    expect(ledgerSummary({ ...summary, clinicId: 'x', ok: true } as never)).toEqual(summary);
  });
});

describe('LedgerChain', () => {
  it('quotes nothing spent and no request for a round that is not DP', () => {
    const chain = LedgerChain.empty(clinic);
    expect(chain.quote(accountant, delta, null)).toEqual({ epsilon: 0, requested: null });
    expect(chain.quote(accountant, delta, dpSgdMechanism())).toEqual({ epsilon: 0, requested: oneRound });
    chain.append(decision('spend', 10));
    expect(chain.quote(accountant, delta, dpSgdMechanism())).toEqual({ epsilon: oneRound, requested: twoRounds });
  });

  it('writes the entry fields the verifier recomputes, at the given time', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const chain = LedgerChain.empty(clinic);
    const first = chain.append(decision('spend', 10), at);
    expect(first).toMatchObject({
      version: 1,
      clinicId: 'leuven',
      seq: 0,
      prevHash: '0'.repeat(64),
      recordedAt: '2026-01-02T03:04:05.000Z',
      epsilon: oneRound,
      requestedEpsilon: oneRound,
    });
    const second = chain.append(decision('refusal', 10, 2), at);
    expect(second).toMatchObject({ seq: 1, prevHash: entryHash(first), epsilon: oneRound, requestedEpsilon: twoRounds, reason: 'over the cap' });
    expect(chain.headHash()).toBe(entryHash(second));
  });

  it('refuses to replay a ledger with one problem, naming it without counting more', () => {
    const chain = LedgerChain.empty(clinic);
    const spend = chain.append(decision('spend', 10));
    expect(() => LedgerChain.replay(clinic, [resigned(spend, { epsilon: 1 })])).toThrow(
      new Error(`the privacy ledger of leuven does not verify: entry #0 (study s round 1, spend) records epsilon 1, its spends recompute to ${oneRound}`),
    );
  });

  it('refuses to replay a ledger with several problems, naming the first and counting the rest', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    const second = chain.append(decision('spend', 10, 2));
    expect(() => LedgerChain.replay(clinic, [second])).toThrow(
      new Error(
        `the privacy ledger of leuven does not verify: entry #1 (study s round 2, spend) is at position 0 of the ledger: entries before it were deleted, inserted or reordered (and 3 more problems)`,
      ),
    );
    expect(problemsOf([second])).toHaveLength(4);
  });

  it('a replayed chain continues the budget and the hash chain of the stored entries', () => {
    const chain = LedgerChain.empty(clinic);
    chain.append(decision('spend', 10));
    const replayed = LedgerChain.replay(clinic, JSON.parse(JSON.stringify(chain.entries())) as unknown[]);
    expect(replayed.headHash()).toBe(chain.headHash());
    const next = replayed.append(decision('spend', 10, 2));
    expect(next.epsilon).toBe(twoRounds);
    expect(next.prevHash).toBe(chain.headHash());
  });
});
