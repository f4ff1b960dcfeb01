// Original file: protos/cohort/v1/federation.proto


export interface KeyRosterRequest {
  'clinicId'?: (string);
  'studyId'?: (string);
}

export interface KeyRosterRequest__Output {
  'clinicId': (string);
  'studyId': (string);
}
