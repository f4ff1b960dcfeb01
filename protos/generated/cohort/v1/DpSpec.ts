// Original file: protos/cohort/v1/federation.proto


export interface DpSpec {
  'targetEpsilon'?: (number | string);
  'delta'?: (number | string);
  'clipNorm'?: (number | string);
  'totalSteps'?: (number);
}

export interface DpSpec__Output {
  'targetEpsilon': (number);
  'delta': (number);
  'clipNorm': (number);
  'totalSteps': (number);
}
