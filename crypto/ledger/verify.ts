import { entryHash, GENESIS_HASH, signatureValid, type LedgerEntry } from './entry.js';
import { parseLedgerEntry } from './parse.js';
import { SpentBudget } from './budget.js';

/** Relative tolerance when a recorded epsilon is compared with its recomputation. */
export const EPSILON_TOLERANCE = 1e-9;

export interface LedgerProblem {
  /** Position in the list as given (0-based). */
  index: number;
  /** How the problem names the entry, e.g. `entry #3 (study s1 round 2, spend)`. */
  entry: string;
  problem: string;
}

/** What a clinic's ledger adds up to. */
export interface LedgerSummary {
  entries: number;
  spends: number;
  refusals: number;
  /** The last entry's recorded total epsilon (0 for an empty ledger), and the δ and cap it is stated under. */
  epsilon: number;
  delta: number | null;
  capEpsilon: number | null;
}

export interface LedgerVerification extends LedgerSummary {
  clinicId: string;
  ok: boolean;
  problems: LedgerProblem[];
  /** The entries as parsed, in order (those that failed to parse left out). */
  parsed: LedgerEntry[];
}

export function ledgerSummary({ entries, spends, refusals, epsilon, delta, capEpsilon }: LedgerSummary): LedgerSummary {
  return { entries, spends, refusals, epsilon, delta, capEpsilon };
}

/**
 * Everything an auditor checks of one clinic's ledger: each entry is well formed, names the clinic,
 * sits at its position (seq), chains to the previous entry's hash, carries a valid signature of the
 * clinic's Ed25519 key, and states epsilons that recompute, from the recorded mechanisms and
 * accountant, to within {@link EPSILON_TOLERANCE}: a spend's total after it (never above its cap), a
 * refusal's requested total (above its cap). Edited, deleted, inserted or reordered entries break
 * one of these and are named.
 */
export function verifyLedger(clinicId: string, rawEntries: readonly unknown[], signPublicKey: Uint8Array): LedgerVerification {
  const problems: LedgerProblem[] = [];
  const parsed: LedgerEntry[] = [];
  const budget = new SpentBudget();
  let previousHash = GENESIS_HASH;
  let refusals = 0;
  rawEntries.forEach((raw, index) => {
    let entry: LedgerEntry;
    try {
      entry = parseLedgerEntry(raw);
    } catch (error) {
      problems.push({ index, entry: `entry at position ${index}`, problem: (error as Error).message });
      previousHash = '';
      return;
    }
    parsed.push(entry);
    const name = `entry #${entry.seq} (study ${entry.studyId} round ${entry.round}, ${entry.kind})`;
    const problem = (text: string) => problems.push({ index, entry: name, problem: text });
    if (entry.clinicId !== clinicId) problem(`names clinic ${entry.clinicId}, the ledger is ${clinicId}'s`);
    if (entry.seq !== index) problem(`is at position ${index} of the ledger: entries before it were deleted, inserted or reordered`);
    if (previousHash && entry.prevHash !== previousHash) {
      problem(index === 0 ? 'is first but does not start the chain' : `does not chain to the entry before it (prevHash ${entry.prevHash.slice(0, 12)}…, that entry hashes to ${previousHash.slice(0, 12)}…)`);
    }
    previousHash = entryHash(entry);
    if (!signatureValid(entry, signPublicKey)) problem(`signature does not verify with ${clinicId}'s key: the entry was altered or not written by the clinic`);

    const before = budget.epsilon(entry.accountant, entry.delta);
    const requested = entry.mechanism ? budget.epsilon(entry.accountant, entry.delta, entry.mechanism) : null;
    const differs = (recorded: number, recomputed: number) => Math.abs(recorded - recomputed) > EPSILON_TOLERANCE * Math.max(1e-12, Math.abs(recomputed));
    if (entry.kind === 'spend') {
      if (differs(entry.epsilon, requested!)) problem(`records epsilon ${entry.epsilon}, its spends recompute to ${requested}`);
      if (entry.requestedEpsilon === null || differs(entry.requestedEpsilon, requested!)) problem(`records requested epsilon ${entry.requestedEpsilon}, it recomputes to ${requested}`);
      if (requested! > entry.capEpsilon * (1 + EPSILON_TOLERANCE)) problem(`spends up to epsilon ${requested}, above the clinic's cap of ${entry.capEpsilon}`);
      budget.add(entry.mechanism!);
    } else {
      refusals++;
      if (differs(entry.epsilon, before)) problem(`records epsilon ${entry.epsilon}, the spends before it recompute to ${before}`);
      if (requested === null ? entry.requestedEpsilon !== null : entry.requestedEpsilon === null || differs(entry.requestedEpsilon, requested)) {
        problem(`records requested epsilon ${entry.requestedEpsilon}, it recomputes to ${requested}`);
      }
      if (requested !== null && requested <= entry.capEpsilon) problem(`refused a round that fit the cap (${requested} <= ${entry.capEpsilon})`);
    }
  });
  const last = parsed.at(-1);
  return {
    clinicId,
    ok: problems.length === 0,
    entries: rawEntries.length,
    spends: budget.count,
    refusals,
    epsilon: last?.epsilon ?? 0,
    delta: last?.delta ?? null,
    capEpsilon: last?.capEpsilon ?? null,
    problems,
    parsed,
  };
}
