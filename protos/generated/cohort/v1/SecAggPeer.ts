// Original file: protos/cohort/v1/federation.proto

import type { SecAggAdvert as _cohort_v1_SecAggAdvert, SecAggAdvert__Output as _cohort_v1_SecAggAdvert__Output } from '../../cohort/v1/SecAggAdvert.js';

export interface SecAggPeer {
  'advert'?: (_cohort_v1_SecAggAdvert | null);
  'signPublicKey'?: (Buffer | Uint8Array | string);
  'point'?: (number);
}

export interface SecAggPeer__Output {
  'advert': (_cohort_v1_SecAggAdvert__Output | null);
  'signPublicKey': (Buffer);
  'point': (number);
}
