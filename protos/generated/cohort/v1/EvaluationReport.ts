// Original file: protos/cohort/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface EvaluationReport {
  'clinicId'?: (string);
  'studyId'?: (string);
  'modelVersion'?: (number);
  'numTest'?: (number);
  'numCorrect'?: (number);
  'accuracy'?: (number | string);
  'loss'?: (number | string);
  'concordantPairs'?: (number | string | Long);
  'discordantPairs'?: (number | string | Long);
  'tiedRiskPairs'?: (number | string | Long);
  'cIndex'?: (number | string);
}

export interface EvaluationReport__Output {
  'clinicId': (string);
  'studyId': (string);
  'modelVersion': (number);
  'numTest': (number);
  'numCorrect': (number);
  'accuracy': (number);
  'loss': (number);
  'concordantPairs': (number);
  'discordantPairs': (number);
  'tiedRiskPairs': (number);
  'cIndex': (number);
}
