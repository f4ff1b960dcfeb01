// Original file: protos/cohort/v1/federation.proto


export interface TrainingConfig {
  'optimizer'?: (string);
  'learningRate'?: (number | string);
  'batchSize'?: (number);
  'localSteps'?: (number);
  'seed'?: (number);
}

export interface TrainingConfig__Output {
  'optimizer': (string);
  'learningRate': (number);
  'batchSize': (number);
  'localSteps': (number);
  'seed': (number);
}
