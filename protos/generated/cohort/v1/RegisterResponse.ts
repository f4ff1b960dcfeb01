// Original file: protos/cohort/v1/federation.proto


export interface RegisterResponse {
  'clinicId'?: (string);
  'maxChunkBytes'?: (number);
}

export interface RegisterResponse__Output {
  'clinicId': (string);
  'maxChunkBytes': (number);
}
