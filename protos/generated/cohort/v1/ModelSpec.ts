// Original file: protos/cohort/v1/federation.proto


export interface ModelSpec {
  'architecture'?: (string);
  'inputDim'?: (number);
  'hiddenUnits'?: (number)[];
  'outputDim'?: (number);
  'numParameters'?: (number);
  'statistics'?: (number);
  'timeGrid'?: (number | string)[];
}

export interface ModelSpec__Output {
  'architecture': (string);
  'inputDim': (number);
  'hiddenUnits': (number)[];
  'outputDim': (number);
  'numParameters': (number);
  'statistics': (number);
  'timeGrid': (number)[];
}
