/**
 * Harrell's concordance index of a risk score against survival: among pairs where one patient's
 * event came before the other's follow-up ended, the share where the earlier one had the higher
 * risk (ties in risk count half). Kept as counts, so strata or clinics add theirs before dividing,
 * as R's `survival::concordance` does for a stratified model.
 */
export interface ConcordanceCounts {
  concordant: number;
  discordant: number;
  /** Comparable pairs with equal risk scores. */
  tiedRisk: number;
}

/** Pair counts of `risk` (higher means earlier event expected) against follow-up. */
export function concordanceCounts(time: ArrayLike<number>, event: ArrayLike<number>, risk: ArrayLike<number>): ConcordanceCounts {
  const counts: ConcordanceCounts = { concordant: 0, discordant: 0, tiedRisk: 0 };
  for (let i = 0; i < time.length; i++) {
    if (!event[i]) continue;
    for (let j = 0; j < time.length; j++) {
      // j outlived i's event: a later follow-up, or censored at the same time.
      const comparable = time[j]! > time[i]! || (time[j] === time[i] && !event[j] && j !== i);
      if (!comparable) continue;
      if (risk[i]! > risk[j]!) counts.concordant++;
      else if (risk[i]! < risk[j]!) counts.discordant++;
      else counts.tiedRisk++;
    }
  }
  return counts;
}

export function addConcordance(a: ConcordanceCounts, b: ConcordanceCounts): ConcordanceCounts {
  return { concordant: a.concordant + b.concordant, discordant: a.discordant + b.discordant, tiedRisk: a.tiedRisk + b.tiedRisk };
}

/** The index from counts, or null when no pair is comparable (no events). */
export function concordanceIndexOrNull(counts: ConcordanceCounts): number | null {
  const index = concordanceIndex(counts);
  return Number.isNaN(index) ? null : index;
}

/** The index from counts, or NaN when no pair is comparable (no events). */
export function concordanceIndex({ concordant, discordant, tiedRisk }: ConcordanceCounts): number {
  const pairs = concordant + discordant + tiedRisk;
  return pairs === 0 ? Number.NaN : (concordant + tiedRisk / 2) / pairs;
}

/** Whether pair counts can come from `records` records: whole, non-negative, at most n(n-1)/2 together. */
export function pairCountsPossible(pairs: readonly number[], records: number): boolean {
  return pairs.every((n) => Number.isSafeInteger(n) && n >= 0) && pairs.reduce((a, b) => a + b, 0) <= (records * (records - 1)) / 2;
}
