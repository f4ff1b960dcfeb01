// Original file: protos/cohort/v1/federation.proto


export interface SecAggStageRequest {
  'clinicId'?: (string);
  'studyId'?: (string);
  'round'?: (number);
  'attempt'?: (number);
}

export interface SecAggStageRequest__Output {
  'clinicId': (string);
  'studyId': (string);
  'round': (number);
  'attempt': (number);
}
