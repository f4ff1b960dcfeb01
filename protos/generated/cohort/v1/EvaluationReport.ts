// Original file: protos/cohort/v1/federation.proto


export interface EvaluationReport {
  'clinicId'?: (string);
  'studyId'?: (string);
  'modelVersion'?: (number);
  'numTest'?: (number);
  'numCorrect'?: (number);
  'accuracy'?: (number | string);
  'loss'?: (number | string);
}

export interface EvaluationReport__Output {
  'clinicId': (string);
  'studyId': (string);
  'modelVersion': (number);
  'numTest': (number);
  'numCorrect': (number);
  'accuracy': (number);
  'loss': (number);
}
