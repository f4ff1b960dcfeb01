// Original file: protos/cohort/v1/federation.proto

import type { ClinicCard as _cohort_v1_ClinicCard, ClinicCard__Output as _cohort_v1_ClinicCard__Output } from '../../cohort/v1/ClinicCard.js';

export interface KeyRoster {
  'studyId'?: (string);
  'parameterSet'?: (string);
  'keyId'?: (string);
  'members'?: (_cohort_v1_ClinicCard)[];
}

export interface KeyRoster__Output {
  'studyId': (string);
  'parameterSet': (string);
  'keyId': (string);
  'members': (_cohort_v1_ClinicCard__Output)[];
}
