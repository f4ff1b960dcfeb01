// Original file: protos/cohort/v1/federation.proto


export interface WatchTasksRequest {
  'clinicId'?: (string);
}

export interface WatchTasksRequest__Output {
  'clinicId': (string);
}
