import type { RoundRef } from '../resilience/index.js';

/** What a node did, as `runNode` returns it. */
export interface NodeSummary {
  clinicId: string;
  trainedRounds: number;
  evaluations: number;
  studyStatus: string | null;
  /** The last model version this clinic evaluated, as it sees it (for encrypted studies only clinics can). */
  lastModel: { studyId: string; version: number; parameters: Float32Array } | null;
  /** Rounds this clinic refused (privacy budget or policy), as its ledger records them. */
  refusedRounds: number;
  /** Secure-aggregation rounds this node left on purpose (its round client threw LeftRound: simulated dropout). */
  droppedRounds: number;
  /** Total epsilon of the clinic's ledger at its cap's δ when the node stopped; null without a budget. */
  privacySpent: { epsilon: number; delta: number } | null;
  /** Rounds this node found, on starting, that it had crashed while training: it did not train them again. */
  abandonedRounds: RoundRef[];
  /** Updates sent again from the outbox (after a lost connection or a restart) and acknowledged. */
  resentUpdates: number;
  /** Why runNode returned: the study finished (`exitWhenDone`), or `signal` asked the node to stop. */
  stopped: 'finished' | 'signal';
}

/** A summary of a node that has done nothing yet. */
export function emptySummary(clinicId: string, privacySpent: NodeSummary['privacySpent'], abandonedRounds: RoundRef[]): NodeSummary {
  return {
    clinicId,
    trainedRounds: 0,
    evaluations: 0,
    studyStatus: null,
    lastModel: null,
    refusedRounds: 0,
    droppedRounds: 0,
    privacySpent,
    abandonedRounds,
    resentUpdates: 0,
    stopped: 'finished',
  };
}
