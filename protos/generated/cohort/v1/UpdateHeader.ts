// Original file: protos/cohort/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface UpdateHeader {
  'clinicId'?: (string);
  'studyId'?: (string);
  'round'?: (number);
  'modelVersion'?: (number);
  'codec'?: (string);
  'numSamples'?: (number | string | Long);
  'totalBytes'?: (number | string | Long);
  'sha256'?: (Buffer | Uint8Array | string);
  'trainLoss'?: (number | string);
  'keyId'?: (string);
}

export interface UpdateHeader__Output {
  'clinicId': (string);
  'studyId': (string);
  'round': (number);
  'modelVersion': (number);
  'codec': (string);
  'numSamples': (number);
  'totalBytes': (number);
  'sha256': (Buffer);
  'trainLoss': (number);
  'keyId': (string);
}
