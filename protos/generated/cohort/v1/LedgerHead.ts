// Original file: protos/cohort/v1/federation.proto


export interface LedgerHead {
  'clinicId'?: (string);
  'entries'?: (number);
  'headHash'?: (string);
}

export interface LedgerHead__Output {
  'clinicId': (string);
  'entries': (number);
  'headHash': (string);
}
