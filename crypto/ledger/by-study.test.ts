import { beforeEach, describe, expect, it } from '@jest/globals';
import { conventionByName, epsilonFor } from '../dp/index.js';
import { createIdentity } from '../identity/index.js';
import { accountantRecord, LedgerChain, spendsByStudy, type AccountantRecord, type LedgerEntry } from './index.js';
import { distributedGaussianMechanism, dpSgdMechanism } from './test-fixtures.js';

const delta = 1e-3;
let accountant: AccountantRecord;
beforeEach(() => {
  accountant = accountantRecord(conventionByName('dp-accounting'));
});

/** Study a: two DP-SGD spends; study b: a spend, a refusal, a secagg+dp spend; study a again at the end. */
function ledger(): LedgerEntry[] {
  const chain = LedgerChain.empty(createIdentity('cleveland'));
  const at = (minute: number) => new Date(Date.UTC(2026, 11, 4, 8, minute));
  const spend = (
    studyId: string,
    round: number,
    mechanism: ReturnType<typeof dpSgdMechanism> | ReturnType<typeof distributedGaussianMechanism>,
    minute: number,
  ) => chain.append({ kind: 'spend', studyId, round, mechanism, accountant, delta, capEpsilon: 10, reason: null }, at(minute));
  spend('a', 1, dpSgdMechanism(3, 100), 1);
  spend('b', 1, dpSgdMechanism(2, 50), 2);
  chain.append({ kind: 'refusal', studyId: 'b', round: 2, mechanism: null, accountant, delta, capEpsilon: 10, reason: 'not today' }, at(3));
  spend('b', 3, distributedGaussianMechanism(5), 4);
  spend('a', 2, dpSgdMechanism(3, 100), 5);
  return [...chain.entries()];
}

describe('spendsByStudy', () => {
  it("breaks a clinic's ledger down by study, each study's epsilon from its own spends alone", () => {
    const byStudy = spendsByStudy(ledger());
    expect(byStudy.map(({ studyId, spends, refusals, delta: d }) => ({ studyId, spends, refusals, d }))).toEqual([
      { studyId: 'a', spends: 2, refusals: 0, d: delta },
      { studyId: 'b', spends: 2, refusals: 1, d: delta },
    ]);
    // Study a: 200 steps of the sampled Gaussian at z = 3.
    expect(byStudy[0]!.epsilon).toBeCloseTo(epsilonFor({ q: 0.02, noiseMultiplier: 3, steps: 200 }, delta).epsilon, 12);
    expect(byStudy[0]).toMatchObject({ firstEntryAt: '2026-12-04T08:01:00.000Z', lastEntryAt: '2026-12-04T08:05:00.000Z' });
    expect(byStudy[1]).toMatchObject({ firstEntryAt: '2026-12-04T08:02:00.000Z', lastEntryAt: '2026-12-04T08:04:00.000Z' });
    // Each study costs less than the clinic's total, and the total is less than their sum.
    const total = ledger().at(-1)!.epsilon;
    for (const study of byStudy) expect(study.epsilon).toBeLessThan(total);
    expect(total).toBeLessThan(byStudy[0]!.epsilon + byStudy[1]!.epsilon);
  });

  it('gives a study of refusals only epsilon 0, and an empty ledger no studies', () => {
    const chain = LedgerChain.empty(createIdentity('va'));
    chain.append({ kind: 'refusal', studyId: 'c', round: 1, mechanism: dpSgdMechanism(), accountant, delta, capEpsilon: 0.001, reason: 'cap' });
    expect(spendsByStudy(chain.entries())).toEqual([expect.objectContaining({ studyId: 'c', spends: 0, refusals: 1, epsilon: 0 })]);
    expect(spendsByStudy([])).toEqual([]);
  });
});
