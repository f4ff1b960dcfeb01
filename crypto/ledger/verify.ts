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
  const verifier = new LedgerVerifier(clinicId, signPublicKey);
  for (const raw of rawEntries) verifier.push(raw);
  return verifier.result();
}

/**
 * {@link verifyLedger} one entry at a time, so a holder of a verified ledger (the coordinator's copy)
 * checks each new entry without replaying the chain: `copy()` first, push the new entries, keep the
 * copy only if they verify.
 */
export class LedgerVerifier {
  private readonly problems: LedgerProblem[] = [];
  private readonly parsed: LedgerEntry[] = [];
  private budget = new SpentBudget();
  private previousHash = GENESIS_HASH;
  private count = 0;
  private refusals = 0;

  constructor(
    readonly clinicId: string,
    private readonly signPublicKey: Uint8Array,
  ) {}

  /** Entries pushed so far, and the hash the next one must chain to ('' after an unreadable entry). */
  get entries(): number {
    return this.count;
  }

  get headHash(): string {
    return this.previousHash;
  }

  copy(): LedgerVerifier {
    const copy = new LedgerVerifier(this.clinicId, this.signPublicKey);
    copy.problems.push(...this.problems);
    copy.parsed.push(...this.parsed);
    copy.budget = this.budget.copy();
    copy.previousHash = this.previousHash;
    copy.count = this.count;
    copy.refusals = this.refusals;
    return copy;
  }

  /** Checks the next entry (parsed JSON); its problems join {@link result}'s. */
  push(raw: unknown): void {
    const index = this.count++;
    let entry: LedgerEntry;
    try {
      entry = parseLedgerEntry(raw);
    } catch (error) {
      this.problems.push({ index, entry: `entry at position ${index}`, problem: (error as Error).message });
      this.previousHash = '';
      return;
    }
    this.parsed.push(entry);
    const { clinicId, budget } = this;
    const name = `entry #${entry.seq} (study ${entry.studyId} round ${entry.round}, ${entry.kind})`;
    const problem = (text: string) => this.problems.push({ index, entry: name, problem: text });
    if (entry.clinicId !== clinicId) problem(`names clinic ${entry.clinicId}, the ledger is ${clinicId}'s`);
    if (entry.seq !== index) problem(`is at position ${index} of the ledger: entries before it were deleted, inserted or reordered`);
    if (this.previousHash && entry.prevHash !== this.previousHash) {
      problem(
        index === 0
          ? 'is first but does not start the chain'
          : `does not chain to the entry before it (prevHash ${entry.prevHash.slice(0, 12)}…, that entry hashes to ${this.previousHash.slice(0, 12)}…)`,
      );
    }
    this.previousHash = entryHash(entry);
    if (!signatureValid(entry, this.signPublicKey))
      problem(`signature does not verify with ${clinicId}'s key: the entry was altered or not written by the clinic`);

    const before = budget.epsilon(entry.accountant, entry.delta);
    const requested = entry.mechanism ? budget.epsilon(entry.accountant, entry.delta, entry.mechanism) : null;
    const differs = (recorded: number, recomputed: number) => Math.abs(recorded - recomputed) > EPSILON_TOLERANCE * Math.max(1e-12, Math.abs(recomputed));
    if (entry.kind === 'spend') {
      if (differs(entry.epsilon, requested!)) problem(`records epsilon ${entry.epsilon}, its spends recompute to ${requested}`);
      if (entry.requestedEpsilon === null || differs(entry.requestedEpsilon, requested!))
        problem(`records requested epsilon ${entry.requestedEpsilon}, it recomputes to ${requested}`);
      if (requested! > entry.capEpsilon * (1 + EPSILON_TOLERANCE)) problem(`spends up to epsilon ${requested}, above the clinic's cap of ${entry.capEpsilon}`);
      budget.add(entry.mechanism!);
    } else {
      this.refusals++;
      if (differs(entry.epsilon, before)) problem(`records epsilon ${entry.epsilon}, the spends before it recompute to ${before}`);
      if (requested === null ? entry.requestedEpsilon !== null : entry.requestedEpsilon === null || differs(entry.requestedEpsilon, requested)) {
        problem(`records requested epsilon ${entry.requestedEpsilon}, it recomputes to ${requested}`);
      }
      if (requested !== null && requested <= entry.capEpsilon) problem(`refused a round that fit the cap (${requested} <= ${entry.capEpsilon})`);
    }
  }

  result(): LedgerVerification {
    const last = this.parsed.at(-1);
    return {
      clinicId: this.clinicId,
      ok: this.problems.length === 0,
      entries: this.count,
      spends: this.budget.count,
      refusals: this.refusals,
      epsilon: last?.epsilon ?? 0,
      delta: last?.delta ?? null,
      capEpsilon: last?.capEpsilon ?? null,
      problems: [...this.problems],
      parsed: [...this.parsed],
    };
  }
}
