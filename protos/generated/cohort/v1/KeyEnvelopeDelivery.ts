// Original file: protos/cohort/v1/federation.proto

import type { KeyEnvelope as _cohort_v1_KeyEnvelope, KeyEnvelope__Output as _cohort_v1_KeyEnvelope__Output } from '../../cohort/v1/KeyEnvelope.js';
import type { ClinicCard as _cohort_v1_ClinicCard, ClinicCard__Output as _cohort_v1_ClinicCard__Output } from '../../cohort/v1/ClinicCard.js';

export interface KeyEnvelopeDelivery {
  'envelope'?: (_cohort_v1_KeyEnvelope | null);
  'sender'?: (_cohort_v1_ClinicCard | null);
}

export interface KeyEnvelopeDelivery__Output {
  'envelope': (_cohort_v1_KeyEnvelope__Output | null);
  'sender': (_cohort_v1_ClinicCard__Output | null);
}
