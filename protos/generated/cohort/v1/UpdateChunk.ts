// Original file: protos/cohort/v1/federation.proto

import type { UpdateHeader as _cohort_v1_UpdateHeader, UpdateHeader__Output as _cohort_v1_UpdateHeader__Output } from '../../cohort/v1/UpdateHeader.js';

export interface UpdateChunk {
  'header'?: (_cohort_v1_UpdateHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'chunk'?: "header"|"data";
}

export interface UpdateChunk__Output {
  'header'?: (_cohort_v1_UpdateHeader__Output | null);
  'data'?: (Buffer);
  'chunk'?: "header"|"data";
}
