// Original file: protos/cohort/v1/federation.proto


export interface SecAggRevealedShare {
  'dealerClinicId'?: (string);
  'kind'?: (string);
  'point'?: (number);
  'value'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
}

export interface SecAggRevealedShare__Output {
  'dealerClinicId': (string);
  'kind': (string);
  'point': (number);
  'value': (Buffer);
  'signature': (Buffer);
}
