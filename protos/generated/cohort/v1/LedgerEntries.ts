// Original file: protos/cohort/v1/federation.proto


export interface LedgerEntries {
  'clinicId'?: (string);
  'entries'?: (string)[];
}

export interface LedgerEntries__Output {
  'clinicId': (string);
  'entries': (string)[];
}
