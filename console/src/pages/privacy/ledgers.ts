import { auditClinic, SpentBudget, verifyLedger, type ClinicAudit, type Contribution, type LedgerEntry } from '../../../../crypto/ledger/index.js';
import { cardFromJson } from '../../../../crypto/identity/index.js';
import type { Api } from '../../api.js';
import type { Series } from '../../components/series.js';

/** A clinic's ledger as the coordinator holds it (GET /audit/clinics/:id/ledger). */
export interface StoredLedger {
  clinicId: string;
  card: unknown;
  entries: LedgerEntry[];
  contributions: Contribution[];
}

export async function loadLedgers(api: Api, clinicIds: readonly string[]): Promise<StoredLedger[]> {
  return Promise.all(clinicIds.map((id) => api.get<StoredLedger>(`/audit/clinics/${encodeURIComponent(id)}/ledger`)));
}

/**
 * Checks a ledger here, in the browser, with the code `cohort audit verify` runs (crypto/ledger):
 * the chain, every Ed25519 signature under the enrolled key, every epsilon recomputed by the
 * accountant, and a spend for every private update the coordinator received.
 */
export function verifyInBrowser(ledger: StoredLedger): ClinicAudit {
  let signPublicKey: Uint8Array;
  try {
    signPublicKey = cardFromJson(ledger.card).signPublicKey;
  } catch (error) {
    return {
      clinicId: ledger.clinicId,
      ok: false,
      problems: [`the enrolled card does not parse: ${(error as Error).message}`],
      entries: 0,
      spends: 0,
      refusals: 0,
      epsilon: 0,
      delta: null,
      capEpsilon: null,
    };
  }
  return auditClinic(verifyLedger(ledger.clinicId, ledger.entries, signPublicKey), ledger.contributions);
}

/**
 * Each clinic's epsilon over time, and its cap dashed; times are epoch ms. With `studyId`, the
 * study's own epsilon after each of its entries (its spends alone, composed by the entries' own
 * accountant, as the per-study report computes it); without, the clinic's recorded total.
 */
export function epsilonSeries(ledgers: readonly StoredLedger[], studyId: string | null = null): Series[] {
  const series: Series[] = [];
  for (const ledger of ledgers) {
    const entries = studyId === null ? ledger.entries : ledger.entries.filter((entry) => entry.studyId === studyId);
    if (entries.length === 0) continue;
    const budget = new SpentBudget();
    const points = entries.map((entry) => {
      if (studyId === null) return { x: Date.parse(entry.recordedAt), y: entry.epsilon };
      if (entry.kind === 'spend' && entry.mechanism) budget.add(entry.mechanism);
      return { x: Date.parse(entry.recordedAt), y: budget.epsilon(entry.accountant, entry.delta) };
    });
    series.push({ label: ledger.clinicId, points });
    const cap = ledger.entries.at(-1)!.capEpsilon;
    const times = points.map((point) => point.x);
    series.push({
      label: `${ledger.clinicId} cap`,
      points: [
        { x: Math.min(...times), y: cap },
        { x: Math.max(...times), y: cap },
      ],
      dashed: true,
    });
  }
  return series;
}

/** The studies the ledgers name, in the order they first appear. */
export function ledgerStudies(ledgers: readonly StoredLedger[]): string[] {
  return [...new Set(ledgers.flatMap((ledger) => ledger.entries.map((entry) => entry.studyId)))];
}
