// Original file: protos/cohort/v1/federation.proto


export interface FetchKeyEnvelopeRequest {
  'clinicId'?: (string);
  'studyId'?: (string);
}

export interface FetchKeyEnvelopeRequest__Output {
  'clinicId': (string);
  'studyId': (string);
}
