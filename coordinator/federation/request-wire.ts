import type { SecAggStageRequest__Output } from '../../protos/generated/cohort/v1/SecAggStageRequest.js';
import type { UpdateHeader__Output } from '../../protos/generated/cohort/v1/UpdateHeader.js';
import type { UpdateHeader } from '../protocols/update-header.js';
import type { StageCall } from './secagg-stages.js';

// Incoming federation messages as the coordinator's own types: only the gRPC controller imports this.

/** An upload's header: every field, copied, so nothing downstream holds the decoded message. */
export function updateHeaderFromWire(message: UpdateHeader__Output): UpdateHeader {
  const { clinicId, studyId, round, modelVersion, codec, numSamples, totalBytes, sha256, trainLoss, keyId } = message;
  return { clinicId, studyId, round, modelVersion, codec, numSamples, totalBytes, sha256: new Uint8Array(sha256), trainLoss, keyId };
}

/** The caller and round attempt every secure-aggregation stage message names. */
export function stageCallFromWire(message: Pick<SecAggStageRequest__Output, 'clinicId' | 'studyId' | 'round' | 'attempt'>): StageCall {
  const { clinicId, studyId, round, attempt } = message;
  return { clinicId, studyId, round, attempt };
}
