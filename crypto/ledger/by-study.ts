import { SpentBudget } from './budget.js';
import type { LedgerEntry } from './entry.js';

/** What one clinic's ledger says about one study. */
export interface StudySpend {
  studyId: string;
  /** Rounds of the study the clinic trained (and released an update for). */
  spends: number;
  /** Rounds of the study the clinic declined. */
  refusals: number;
  /**
   * The study's own epsilon: its spends alone, composed by the accountant of its entries, at the
   * δ of its last entry (the clinic's cap's). The clinic's total is not the sum of its studies'
   * epsilons: the accountant composes every spend together, which usually costs less.
   */
  epsilon: number;
  /** δ of the study's last entry. */
  delta: number;
  /** ISO times of its first and last entries. */
  firstEntryAt: string;
  lastEntryAt: string;
}

/** A clinic's ledger broken down by study, in the order each study first appears in it. */
export function spendsByStudy(entries: readonly LedgerEntry[]): StudySpend[] {
  const byStudy = new Map<string, { entries: LedgerEntry[]; budget: SpentBudget }>();
  for (const entry of entries) {
    let study = byStudy.get(entry.studyId);
    if (!study) byStudy.set(entry.studyId, (study = { entries: [], budget: new SpentBudget() }));
    study.entries.push(entry);
    if (entry.kind === 'spend' && entry.mechanism) study.budget.add(entry.mechanism);
  }
  return [...byStudy].map(([studyId, { entries: own, budget }]) => {
    const last = own.at(-1)!;
    return {
      studyId,
      spends: own.filter((e) => e.kind === 'spend').length,
      refusals: own.filter((e) => e.kind === 'refusal').length,
      epsilon: budget.epsilon(last.accountant, last.delta),
      delta: last.delta,
      firstEntryAt: own[0]!.recordedAt,
      lastEntryAt: last.recordedAt,
    };
  });
}
