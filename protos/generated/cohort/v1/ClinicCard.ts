// Original file: protos/cohort/v1/federation.proto


export interface ClinicCard {
  'clinicId'?: (string);
  'signPublicKey'?: (Buffer | Uint8Array | string);
  'boxPublicKey'?: (Buffer | Uint8Array | string);
}

export interface ClinicCard__Output {
  'clinicId': (string);
  'signPublicKey': (Buffer);
  'boxPublicKey': (Buffer);
}
