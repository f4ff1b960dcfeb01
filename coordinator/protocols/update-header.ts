/**
 * What a clinic declares about an update before sending its bytes: the coordinator's own form of
 * the wire's UpdateHeader (the gRPC controller maps one to the other), checked before any payload
 * is read and again when the update is stored.
 */
export interface UpdateHeader {
  /** The sending clinic, as its signed call names it. */
  readonly clinicId: string;
  readonly studyId: string;
  /** The round the update answers. */
  readonly round: number;
  /** The model version the clinic trained from: the round's number minus one. */
  readonly modelVersion: number;
  /** How the payload is encoded; must be the study's protocol's codec. */
  readonly codec: string;
  /** Training samples behind the update (its FedAvg weight); 0 when the payload carries the weight hidden. */
  readonly numSamples: number;
  /** The payload's exact length in bytes. */
  readonly totalBytes: number;
  /** SHA-256 of the payload. */
  readonly sha256: Uint8Array;
  /** The clinic's mean training loss; 0 when the protocol forbids sending it. */
  readonly trainLoss: number;
  /** Under CKKS, the study key the payload is encrypted under; empty otherwise. */
  readonly keyId: string;
}
