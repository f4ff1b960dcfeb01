// Original file: protos/cohort/v1/federation.proto

import type { SubgroupReport as _cohort_v1_SubgroupReport, SubgroupReport__Output as _cohort_v1_SubgroupReport__Output } from '../../cohort/v1/SubgroupReport.js';
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
  'subgroups'?: (_cohort_v1_SubgroupReport)[];
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
  'subgroups': (_cohort_v1_SubgroupReport__Output)[];
}
