// Original file: protos/cohort/v1/federation.proto


export interface DownloadModelRequest {
  'clinicId'?: (string);
  'studyId'?: (string);
  'modelVersion'?: (number);
}

export interface DownloadModelRequest__Output {
  'clinicId': (string);
  'studyId': (string);
  'modelVersion': (number);
}
