// Original file: protos/cohort/v1/federation.proto


export interface KeyEnvelope {
  'studyId'?: (string);
  'keyId'?: (string);
  'parameterSet'?: (string);
  'senderClinicId'?: (string);
  'recipientClinicId'?: (string);
  'recipientBoxPublicKey'?: (Buffer | Uint8Array | string);
  'ephemeralPublicKey'?: (Buffer | Uint8Array | string);
  'nonce'?: (Buffer | Uint8Array | string);
  'sealedKey'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
}

export interface KeyEnvelope__Output {
  'studyId': (string);
  'keyId': (string);
  'parameterSet': (string);
  'senderClinicId': (string);
  'recipientClinicId': (string);
  'recipientBoxPublicKey': (Buffer);
  'ephemeralPublicKey': (Buffer);
  'nonce': (Buffer);
  'sealedKey': (Buffer);
  'signature': (Buffer);
}
