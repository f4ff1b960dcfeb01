import { RdpAccountant, type AccountingConvention, type ConventionName, type GaussianSteps } from '../dp/index.js';
import type { AccountantRecord, LedgerMechanism } from './entry.js';

/** The accountant record of a named convention, as entries store it. */
export function accountantRecord(convention: AccountingConvention): AccountantRecord {
  return { type: 'rdp', convention: convention.name, orders: [...convention.orders], conversion: convention.conversion, series: convention.series };
}

/**
 * A clinic's spends so far, and what its total epsilon is, or would be with one more round, under
 * any accountant record. Each record's RDP curve is kept and extended as spends arrive, so replaying
 * a ledger of n entries costs n compositions, not n^2.
 */
export class SpentBudget {
  private readonly spends: LedgerMechanism[] = [];
  private readonly curves = new Map<string, { accountant: RdpAccountant; composed: number }>();

  get count(): number {
    return this.spends.length;
  }

  copy(): SpentBudget {
    const copy = new SpentBudget();
    copy.spends.push(...this.spends);
    for (const [key, { accountant, composed }] of this.curves) copy.curves.set(key, { accountant: accountant.copy(), composed });
    return copy;
  }

  add(mechanism: LedgerMechanism): void {
    this.spends.push(mechanism);
  }

  /** Total epsilon at `delta` of every spend so far, plus `next` if given; 0 before any spend. */
  epsilon(accountant: AccountantRecord, delta: number, next: LedgerMechanism | null = null): number {
    if (this.spends.length === 0 && next === null) return 0;
    const curve = this.curve(accountant);
    const total = next ? curve.copy().compose(gaussianSteps(next)) : curve;
    return total.epsilon(delta).epsilon;
  }

  private curve(record: AccountantRecord): RdpAccountant {
    const key = JSON.stringify([record.orders, record.conversion, record.series]);
    let entry = this.curves.get(key);
    if (!entry) {
      const convention = { name: record.convention as ConventionName, orders: record.orders, conversion: record.conversion, series: record.series };
      entry = { accountant: new RdpAccountant(convention), composed: 0 };
      this.curves.set(key, entry);
    }
    for (; entry.composed < this.spends.length; entry.composed++) entry.accountant.compose(gaussianSteps(this.spends[entry.composed]!));
    return entry.accountant;
  }
}

/**
 * A mechanism as the accountant composes it: DP-SGD is `steps` sampled Gaussian steps at its rate;
 * a distributed-Gaussian round is one Gaussian mechanism without subsampling (q = 1, RDP α / (2 z²)).
 */
export function gaussianSteps(mechanism: LedgerMechanism): GaussianSteps {
  const q = mechanism.type === 'dp-sgd' ? mechanism.samplingRate : 1;
  return { q, noiseMultiplier: mechanism.noiseMultiplier, steps: mechanism.steps };
}
