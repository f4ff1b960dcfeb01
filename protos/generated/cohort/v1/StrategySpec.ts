// Original file: protos/cohort/v1/federation.proto


export interface StrategySpec {
  'name'?: (string);
  'serverLearningRate'?: (number | string);
  'beta1'?: (number | string);
  'beta2'?: (number | string);
  'tau'?: (number | string);
  'settings'?: ({[key: string]: number | string});
}

export interface StrategySpec__Output {
  'name': (string);
  'serverLearningRate': (number);
  'beta1': (number);
  'beta2': (number);
  'tau': (number);
  'settings': ({[key: string]: number});
}
