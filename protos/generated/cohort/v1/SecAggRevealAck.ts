// Original file: protos/cohort/v1/federation.proto


export interface SecAggRevealAck {
  'revealed'?: (number);
}

export interface SecAggRevealAck__Output {
  'revealed': (number);
}
