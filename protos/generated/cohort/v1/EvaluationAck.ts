// Original file: protos/cohort/v1/federation.proto


export interface EvaluationAck {
  'studyId'?: (string);
  'modelVersion'?: (number);
}

export interface EvaluationAck__Output {
  'studyId': (string);
  'modelVersion': (number);
}
