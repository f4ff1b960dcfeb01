// Original file: protos/cohort/v1/federation.proto

import type { SecAggSealedShares as _cohort_v1_SecAggSealedShares, SecAggSealedShares__Output as _cohort_v1_SecAggSealedShares__Output } from '../../cohort/v1/SecAggSealedShares.js';

export interface SecAggShareKeysRequest {
  'clinicId'?: (string);
  'studyId'?: (string);
  'round'?: (number);
  'shares'?: (_cohort_v1_SecAggSealedShares)[];
  'attempt'?: (number);
}

export interface SecAggShareKeysRequest__Output {
  'clinicId': (string);
  'studyId': (string);
  'round': (number);
  'shares': (_cohort_v1_SecAggSealedShares__Output)[];
  'attempt': (number);
}
