// Original file: protos/cohort/v1/federation.proto


export interface LedgerHeadRequest {
  'clinicId'?: (string);
}

export interface LedgerHeadRequest__Output {
  'clinicId': (string);
}
