// Original file: protos/cohort/v1/federation.proto


export interface SecAggSealedShares {
  'fromClinicId'?: (string);
  'toClinicId'?: (string);
  'nonce'?: (Buffer | Uint8Array | string);
  'box'?: (Buffer | Uint8Array | string);
}

export interface SecAggSealedShares__Output {
  'fromClinicId': (string);
  'toClinicId': (string);
  'nonce': (Buffer);
  'box': (Buffer);
}
