import type { ClinicIdentity } from '../identity/index.js';
import { SpentBudget } from './budget.js';
import {
  entryHash,
  GENESIS_HASH,
  LEDGER_VERSION,
  LedgerError,
  signEntry,
  type AccountantRecord,
  type LedgerEntry,
  type LedgerEntryBody,
  type LedgerMechanism,
} from './entry.js';
import { verifyLedger } from './verify.js';

/** What a clinic decides about a round; the chain fills in position, hash, epsilons and signature. */
export type LedgerDecision = Pick<LedgerEntryBody, 'kind' | 'studyId' | 'round' | 'mechanism' | 'accountant' | 'delta' | 'capEpsilon' | 'reason'>;

/**
 * A clinic's ledger in memory: verified entries, the running budget and the head hash, so the
 * clinic can ask what a round would cost and append signed entries that chain and recompute.
 */
export class LedgerChain {
  private readonly list: LedgerEntry[] = [];
  private readonly budget = new SpentBudget();
  private head = GENESIS_HASH;

  private constructor(private readonly identity: ClinicIdentity) {}

  /** Replays stored entries, refusing a ledger that does not verify under the clinic's own key. */
  static replay(identity: ClinicIdentity, stored: readonly unknown[]): LedgerChain {
    const verification = verifyLedger(identity.clinicId, stored, identity.signing.publicKey);
    if (!verification.ok) {
      const first = verification.problems[0]!;
      throw new LedgerError(
        `the privacy ledger of ${identity.clinicId} does not verify: ${first.entry} ${first.problem}` +
          (verification.problems.length > 1 ? ` (and ${verification.problems.length - 1} more problems)` : ''),
      );
    }
    const chain = new LedgerChain(identity);
    for (const entry of verification.parsed) chain.push(entry);
    return chain;
  }

  static empty(identity: ClinicIdentity): LedgerChain {
    return new LedgerChain(identity);
  }

  entries(): readonly LedgerEntry[] {
    return this.list;
  }

  headHash(): string {
    return this.head;
  }

  /** Total epsilon spent so far at `delta`, and what it would be after `next` (null: unbounded, not DP). */
  quote(accountant: AccountantRecord, delta: number, next: LedgerMechanism | null): { epsilon: number; requested: number | null } {
    return { epsilon: this.budget.epsilon(accountant, delta), requested: next ? this.budget.epsilon(accountant, delta, next) : null };
  }

  /** Signs and appends the next entry; the caller persists it before acting on it. */
  append(decision: LedgerDecision, recordedAt = new Date()): LedgerEntry {
    const { epsilon, requested } = this.quote(decision.accountant, decision.delta, decision.mechanism);
    const entry = signEntry(this.identity, {
      version: LEDGER_VERSION,
      clinicId: this.identity.clinicId,
      seq: this.list.length,
      prevHash: this.head,
      recordedAt: recordedAt.toISOString(),
      ...decision,
      epsilon: decision.kind === 'spend' ? requested! : epsilon,
      requestedEpsilon: requested,
    });
    this.push(entry);
    return entry;
  }

  private push(entry: LedgerEntry): void {
    this.list.push(entry);
    this.head = entryHash(entry);
    if (entry.kind === 'spend') this.budget.add(entry.mechanism!);
  }
}
