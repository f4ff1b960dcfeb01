import { ledgerSummary, type LedgerSummary, type LedgerVerification } from './verify.js';

/** A round a clinic sent a differentially private update for, as the coordinator recorded it. */
export interface Contribution {
  studyId: string;
  round: number;
}

/** What an auditor concludes of one clinic: the ledger's summary, and every problem in words. */
export interface ClinicAudit extends LedgerSummary {
  clinicId: string;
  ok: boolean;
  /** Each names its entry (`entry #3 (study s1 round 2, spend) ...`) or the round without a spend. */
  problems: string[];
}

/**
 * A ledger's verification plus the check only the coordinator's records allow: every differentially
 * private update the clinic sent has its spend. `cohort audit verify` and the console both conclude
 * with this, so they name the same problems.
 */
export function auditClinic(verification: LedgerVerification, contributions: readonly Contribution[]): ClinicAudit {
  const spent = new Set(verification.parsed.filter((e) => e.kind === 'spend').map((e) => `${e.studyId}#${e.round}`));
  const unaccounted = contributions
    .filter((c) => !spent.has(`${c.studyId}#${c.round}`))
    .map((c) => `study ${c.studyId} round ${c.round}: the clinic sent an update but its ledger holds no spend for it (entry deleted?)`);
  const problems = [...verification.problems.map((p) => `${p.entry} ${p.problem}`), ...unaccounted];
  return { clinicId: verification.clinicId, ok: problems.length === 0, ...ledgerSummary(verification), problems };
}
