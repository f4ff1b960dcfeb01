// Original file: protos/cohort/v1/federation.proto

import type { SecAggRevealedShare as _cohort_v1_SecAggRevealedShare, SecAggRevealedShare__Output as _cohort_v1_SecAggRevealedShare__Output } from '../../cohort/v1/SecAggRevealedShare.js';

export interface SecAggReveal {
  'clinicId'?: (string);
  'studyId'?: (string);
  'round'?: (number);
  'shares'?: (_cohort_v1_SecAggRevealedShare)[];
  'attempt'?: (number);
}

export interface SecAggReveal__Output {
  'clinicId': (string);
  'studyId': (string);
  'round': (number);
  'shares': (_cohort_v1_SecAggRevealedShare__Output)[];
  'attempt': (number);
}
