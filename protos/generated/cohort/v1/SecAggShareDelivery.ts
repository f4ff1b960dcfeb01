// Original file: protos/cohort/v1/federation.proto

import type { SecAggSealedShares as _cohort_v1_SecAggSealedShares, SecAggSealedShares__Output as _cohort_v1_SecAggSealedShares__Output } from '../../cohort/v1/SecAggSealedShares.js';

export interface SecAggShareDelivery {
  'shares'?: (_cohort_v1_SecAggSealedShares)[];
}

export interface SecAggShareDelivery__Output {
  'shares': (_cohort_v1_SecAggSealedShares__Output)[];
}
