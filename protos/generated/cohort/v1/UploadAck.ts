// Original file: protos/cohort/v1/federation.proto


export interface UploadAck {
  'studyId'?: (string);
  'round'?: (number);
  'receivedUpdates'?: (number);
}

export interface UploadAck__Output {
  'studyId': (string);
  'round': (number);
  'receivedUpdates': (number);
}
