// Original file: protos/cohort/v1/federation.proto

import type { SecAggPeer as _cohort_v1_SecAggPeer, SecAggPeer__Output as _cohort_v1_SecAggPeer__Output } from '../../cohort/v1/SecAggPeer.js';

export interface SecAggNeighbours {
  'point'?: (number);
  'threshold'?: (number);
  'peers'?: (_cohort_v1_SecAggPeer)[];
}

export interface SecAggNeighbours__Output {
  'point': (number);
  'threshold': (number);
  'peers': (_cohort_v1_SecAggPeer__Output)[];
}
