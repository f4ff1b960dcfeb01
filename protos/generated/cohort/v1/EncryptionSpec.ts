// Original file: protos/cohort/v1/federation.proto


export interface EncryptionSpec {
  'parameterSet'?: (string);
  'keyId'?: (string);
}

export interface EncryptionSpec__Output {
  'parameterSet': (string);
  'keyId': (string);
}
