/**
 * The privacy ledger: each clinic's append-only record of what it spent of its (epsilon, delta)
 * budget and which rounds it refused (DP-SGD rounds, and distributed-Gaussian rounds under secure
 * aggregation). Entries are hash-chained and Ed25519-signed by the clinic, and
 * carry every parameter their epsilons were computed from, so anyone can recompute and verify them.
 *
 * @example
 * const chain = LedgerChain.empty(identity);
 * const accountant = accountantRecord(conventionByName('dp-accounting'));
 * const { requested } = chain.quote(accountant, 1e-3, mechanism);
 * chain.append({ kind: requested! <= cap ? 'spend' : 'refusal', studyId, round, mechanism, accountant, delta: 1e-3, capEpsilon: cap, reason: null });
 * verifyLedger(identity.clinicId, chain.entries(), identity.signing.publicKey).ok; // true
 */
export { auditClinic, type ClinicAudit, type Contribution } from './audit.js';
export { accountantRecord, gaussianSteps, SpentBudget } from './budget.js';
export { spendsByStudy, type StudySpend } from './by-study.js';
export { LedgerChain, type LedgerDecision } from './chain.js';
export {
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  LEDGER_VERSION,
  LedgerError,
  signatureValid,
  signEntry,
  type AccountantRecord,
  type DistributedGaussianMechanism,
  type DpSgdMechanism,
  type LedgerEntry,
  type LedgerEntryBody,
  type LedgerEntryKind,
  type LedgerMechanism,
} from './entry.js';
export { parseLedgerEntry } from './parse.js';
export { EPSILON_TOLERANCE, LedgerVerifier, ledgerSummary, verifyLedger, type LedgerProblem, type LedgerSummary, type LedgerVerification } from './verify.js';
