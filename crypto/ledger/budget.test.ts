import { beforeEach, describe, expect, it } from '@jest/globals';
import { conventionByName, RdpAccountant } from '../dp/index.js';
import { accountantRecord, gaussianSteps, type AccountantRecord, SpentBudget, type DistributedGaussianMechanism, type DpSgdMechanism } from './index.js';

const delta = 1e-5;
// Fixtures are built in beforeEach, not at load time: what a test file computes while loading counts
// as 'static' in mutation testing, and every static mutant reruns every test.
let dpAccounting: AccountantRecord;
let legacy: AccountantRecord;
beforeEach(() => {
  dpAccounting = accountantRecord(conventionByName('dp-accounting'));
  legacy = accountantRecord(conventionByName('tf-privacy-legacy'));
});

function dpSgd(noiseMultiplier: number, steps: number): DpSgdMechanism {
  return {
    type: 'dp-sgd',
    unit: 'patient',
    relation: 'add-remove',
    sampling: 'poisson',
    samplingRate: 0.01,
    noiseMultiplier,
    clipNorm: 1,
    steps,
    records: 500,
  };
}
const distributed: DistributedGaussianMechanism = {
  type: 'distributed-gaussian',
  unit: 'patient',
  relation: 'add-remove',
  noiseMultiplier: 5,
  clipNorm: 1,
  sensitivity: 2,
  contributors: 3,
  steps: 1,
  records: 500,
};

/** A fresh accountant's epsilon after the given steps, as the budget must reproduce it. */
function fresh(convention: 'dp-accounting' | 'tf-privacy-legacy', ...steps: { q: number; noiseMultiplier: number; steps: number }[]): number {
  const accountant = new RdpAccountant(convention);
  for (const s of steps) accountant.compose(s);
  return accountant.epsilon(delta).epsilon;
}

describe('SpentBudget', () => {
  it('the accountant record of a convention copies its grid, conversion and series', () => {
    const convention = conventionByName('opacus');
    const record = accountantRecord(convention);
    expect(record).toEqual({ type: 'rdp', convention: 'opacus', orders: [...convention.orders], conversion: 'improved', series: 'signed' });
    expect(record.orders).not.toBe(convention.orders);
  });

  it('a mechanism composes as its steps: DP-SGD at its sampling rate, a distributed round unsampled', () => {
    expect(gaussianSteps(dpSgd(1.1, 40))).toEqual({ q: 0.01, noiseMultiplier: 1.1, steps: 40 });
    expect(gaussianSteps(distributed)).toEqual({ q: 1, noiseMultiplier: 5, steps: 1 });
  });

  it('costs nothing before any spend, and the next round alone when asked with one', () => {
    const budget = new SpentBudget();
    expect(budget.count).toBe(0);
    expect(budget.epsilon(dpAccounting, delta)).toBe(0);
    // Under the classic conversion an empty RDP curve would still state log(1/δ)/(α - 1): nothing spent is 0.
    expect(budget.epsilon(legacy, delta)).toBe(0);
    expect(budget.epsilon(dpAccounting, delta, dpSgd(1.1, 100))).toBe(fresh('dp-accounting', { q: 0.01, noiseMultiplier: 1.1, steps: 100 }));
    expect(budget.epsilon(dpAccounting, delta)).toBe(0);
  });

  it('each accountant record sees every spend, including those added after it was first asked', () => {
    const budget = new SpentBudget();
    budget.add(dpSgd(1.1, 100));
    const one = { q: 0.01, noiseMultiplier: 1.1, steps: 100 };
    expect(budget.epsilon(dpAccounting, delta)).toBe(fresh('dp-accounting', one));
    budget.add(distributed);
    budget.add(dpSgd(2, 50));
    const all = [one, { q: 1, noiseMultiplier: 5, steps: 1 }, { q: 0.01, noiseMultiplier: 2, steps: 50 }];
    expect(budget.count).toBe(3);
    expect(budget.epsilon(dpAccounting, delta)).toBe(fresh('dp-accounting', ...all));
    expect(budget.epsilon(legacy, delta)).toBe(fresh('tf-privacy-legacy', ...all));
    expect(budget.epsilon(legacy, delta)).toBeGreaterThan(budget.epsilon(dpAccounting, delta));
    // Asking about a next round does not spend it.
    const withNext = budget.epsilon(dpAccounting, delta, dpSgd(1.1, 100));
    expect(withNext).toBe(fresh('dp-accounting', ...all, one));
    expect(budget.epsilon(dpAccounting, delta)).toBe(fresh('dp-accounting', ...all));
  });

  it('a copy holds the same spends and grows on its own', () => {
    const budget = new SpentBudget();
    budget.add(dpSgd(1.1, 100));
    const before = budget.epsilon(dpAccounting, delta);
    const copy = budget.copy();
    expect(copy.count).toBe(1);
    expect(copy.epsilon(dpAccounting, delta)).toBe(before);
    copy.add(dpSgd(1.1, 100));
    expect(copy.count).toBe(2);
    expect(copy.epsilon(dpAccounting, delta)).toBe(fresh('dp-accounting', { q: 0.01, noiseMultiplier: 1.1, steps: 200 }));
    expect(budget.count).toBe(1);
    expect(budget.epsilon(dpAccounting, delta)).toBe(before);
    // A copy made before a record was ever asked composes it from its own spends.
    expect(budget.copy().epsilon(legacy, delta)).toBe(fresh('tf-privacy-legacy', { q: 0.01, noiseMultiplier: 1.1, steps: 100 }));
  });
});
