// Original file: protos/cohort/v1/federation.proto


export interface SecAggAdvert {
  'clinicId'?: (string);
  'studyId'?: (string);
  'round'?: (number);
  'channelPublicKey'?: (Buffer | Uint8Array | string);
  'maskPublicKey'?: (Buffer | Uint8Array | string);
  'selfMaskCommitment'?: (Buffer | Uint8Array | string);
  'signature'?: (Buffer | Uint8Array | string);
  'attempt'?: (number);
}

export interface SecAggAdvert__Output {
  'clinicId': (string);
  'studyId': (string);
  'round': (number);
  'channelPublicKey': (Buffer);
  'maskPublicKey': (Buffer);
  'selfMaskCommitment': (Buffer);
  'signature': (Buffer);
  'attempt': (number);
}
