// Original file: protos/cohort/v1/federation.proto

import type { ModelHeader as _cohort_v1_ModelHeader, ModelHeader__Output as _cohort_v1_ModelHeader__Output } from '../../cohort/v1/ModelHeader.js';

export interface ModelChunk {
  'header'?: (_cohort_v1_ModelHeader | null);
  'data'?: (Buffer | Uint8Array | string);
  'chunk'?: "header"|"data";
}

export interface ModelChunk__Output {
  'header'?: (_cohort_v1_ModelHeader__Output | null);
  'data'?: (Buffer);
  'chunk'?: "header"|"data";
}
