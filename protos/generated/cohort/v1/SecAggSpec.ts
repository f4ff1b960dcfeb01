// Original file: protos/cohort/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface SecAggSpec {
  'threshold'?: (number);
  'degree'?: (number);
  'clipRange'?: (number | string);
  'maxTotalWeight'?: (number | string | Long);
  'stageTimeoutMs'?: (number);
  'minContributors'?: (number);
  'attempt'?: (number);
}

export interface SecAggSpec__Output {
  'threshold': (number);
  'degree': (number);
  'clipRange': (number);
  'maxTotalWeight': (number);
  'stageTimeoutMs': (number);
  'minContributors': (number);
  'attempt': (number);
}
