import { refuse } from '../../common/errors.js';
import type { DpLayerKind } from '../../common/privacy-mode.js';
import type { UpdateHeader } from './update-header.js';
import type { DpSettings } from './privacy-settings.js';
import type { DpTerms } from './task-extras.js';

/** What the DP layer asks of the coordinator's copy of the clinics' privacy ledgers. */
export interface LedgerView {
  hasSpend(clinicId: string, studyId: string, round: number): Promise<boolean>;
}

/**
 * Differential privacy layered on a protocol: what TRAIN tasks carry of it, and the ledger spend
 * an update needs before it is taken. The same layer rides on every transport.
 */
export interface DpLayer {
  readonly kind: DpLayerKind;
  /** The study's privacy target; null without DP. */
  readonly settings: DpSettings | null;
  /** Whether every update must follow a spend in its clinic's ledger (any DP). */
  readonly spendsBudget: boolean;
  /** What TRAIN tasks carry: the target and how many Gaussian releases the study makes. */
  spec(): DpTerms | null;
  /** Refuses an update whose clinic's ledger holds no spend for the round. */
  admit(header: UpdateHeader, round: { number: number }): Promise<void>;
}

export const NO_DP: DpLayer = {
  kind: 'none',
  settings: null,
  spendsBudget: false,
  spec: () => null,
  admit: async () => {},
};

/**
 * DP of a study: `dp-sgd`, every local step at a clinic is one Gaussian release; `distributed`,
 * each round's secure sum is one (the clinics add the noise in shares).
 */
export function dpLayer(
  kind: DpLayerKind,
  settings: DpSettings | null,
  study: { id: string; rounds: number; training: { localSteps: number } },
  ledger: LedgerView,
): DpLayer {
  if (kind === 'none') return NO_DP;
  if (!settings) throw new Error(`study ${study.id} uses DP (${kind}) but holds no dp settings`);
  const totalSteps = kind === 'distributed' ? study.rounds : study.rounds * study.training.localSteps;
  return {
    kind,
    settings,
    spendsBudget: true,
    spec: () => ({ targetEpsilon: settings.targetEpsilon, delta: settings.delta, clipNorm: settings.clipNorm, totalSteps }),
    async admit(header, round) {
      if (await ledger.hasSpend(header.clinicId, study.id, round.number)) return;
      throw refuse.precondition(
        `study ${study.id} is differentially private: the ledger of ${header.clinicId} holds no spend for round ${round.number}; append it (AppendLedgerEntries) before the update`,
      );
    },
  };
}
