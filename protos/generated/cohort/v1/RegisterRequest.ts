// Original file: protos/cohort/v1/federation.proto


export interface RegisterRequest {
  'clinicId'?: (string);
  'dataset'?: (string);
  'site'?: (string);
  'numTrain'?: (number);
  'numTest'?: (number);
  'nodeVersion'?: (string);
}

export interface RegisterRequest__Output {
  'clinicId': (string);
  'dataset': (string);
  'site': (string);
  'numTrain': (number);
  'numTest': (number);
  'nodeVersion': (string);
}
