// Original file: protos/cohort/v1/federation.proto


export interface KeyEnvelopesAck {
  'studyId'?: (string);
  'keyId'?: (string);
  'envelopes'?: (number);
}

export interface KeyEnvelopesAck__Output {
  'studyId': (string);
  'keyId': (string);
  'envelopes': (number);
}
