// Original file: protos/cohort/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface SubgroupReport {
  'subgroup'?: (string);
  'level'?: (string);
  'numTest'?: (number);
  'numCorrect'?: (number);
  'predictedPositive'?: (number | string);
  'observedPositive'?: (number);
  'concordantPairs'?: (number | string | Long);
  'discordantPairs'?: (number | string | Long);
  'tiedRiskPairs'?: (number | string | Long);
}

export interface SubgroupReport__Output {
  'subgroup': (string);
  'level': (string);
  'numTest': (number);
  'numCorrect': (number);
  'predictedPositive': (number);
  'observedPositive': (number);
  'concordantPairs': (number);
  'discordantPairs': (number);
  'tiedRiskPairs': (number);
}
