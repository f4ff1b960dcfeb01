// Original file: protos/cohort/v1/federation.proto

import type { ModelSpec as _cohort_v1_ModelSpec, ModelSpec__Output as _cohort_v1_ModelSpec__Output } from '../../cohort/v1/ModelSpec.js';
import type { Long } from '@grpc/proto-loader';

export interface ModelHeader {
  'studyId'?: (string);
  'modelVersion'?: (number);
  'model'?: (_cohort_v1_ModelSpec | null);
  'codec'?: (string);
  'totalBytes'?: (number | string | Long);
  'sha256'?: (Buffer | Uint8Array | string);
  'keyId'?: (string);
}

export interface ModelHeader__Output {
  'studyId': (string);
  'modelVersion': (number);
  'model': (_cohort_v1_ModelSpec__Output | null);
  'codec': (string);
  'totalBytes': (number);
  'sha256': (Buffer);
  'keyId': (string);
}
