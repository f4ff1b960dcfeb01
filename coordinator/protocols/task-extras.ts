/**
 * What a study's protocol tells clinics through their tasks about how updates and model versions
 * travel: the CKKS key, the differential-privacy target and a secure-aggregation round's terms.
 * Domain types only: the gRPC layer maps them to the task's wire fields (federation/task-wire.ts).
 */

/** What clinics need to encrypt updates and decrypt aggregates: the CKKS parameter set and the study's key. */
export interface EncryptionTerms {
  readonly parameterSet: string;
  readonly keyId: string;
}

/** A differentially private study's target, and how many Gaussian releases each clinic calibrates its noise for. */
export interface DpTerms {
  readonly targetEpsilon: number;
  readonly delta: number;
  /** L2 bound on each record's gradient. */
  readonly clipNorm: number;
  /** Rounds x local steps (DP-SGD), or rounds (distributed DP: one release per secure sum). */
  readonly totalSteps: number;
}

/** A secure-aggregation round's terms, fixed when the round opens. */
export interface SecAggTerms {
  /** Shares needed to reconstruct a secret. */
  readonly threshold: number;
  /** Neighbours per clinic. */
  readonly degree: number;
  /** Update values are clipped to [-clipRange, clipRange] before fixed-point quantisation. */
  readonly clipRange: number;
  /** Bound on the round's summed weights. */
  readonly maxTotalWeight: number;
  /** How long each key stage waits for its clinics. */
  readonly stageTimeoutMs: number;
  /** secagg+dp: the fewest clinics whose noise the sum carries. */
  readonly minContributors: number;
  /** The round's run: 0, one more each time a coordinator restart ran it again. */
  readonly attempt: number;
}
