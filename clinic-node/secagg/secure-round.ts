import {
  fixedPointFor,
  MASKED_INPUT_CODEC,
  quantizeWeighted,
  SecAggClient,
  wordsToBytes,
  type ClinicIdentity,
} from '../../crypto/index.js';
import { advertToWire, neighboursFromWire, sealedFromWire, sealedToWire, secAggRoundId, shareToWire } from '../../common/secagg-wire.js';
import type { SecAggSpec__Output } from '../../protos/generated/cohort/v1/SecAggSpec.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from '../client/federation-client.js';

/** Where a simulated clinic stops answering in a secure round (tests and `cohort simulate --dropout`). */
export type DropPoint = 'after-shares' | 'after-masked-input';

/** What the clinic contributes once the key stages are done: its update, weight and (secagg+dp) integer noise. */
export interface SecureContribution {
  delta: ArrayLike<number>;
  /** Aggregation weight: the record count, or 1 under secagg+dp. */
  weight: number;
  /** Adds this clinic's share of the noise to the quantised words, in place (secagg+dp). */
  addNoise?: (words: Uint32Array, scale: number) => void;
}

export interface SecureRoundOutcome {
  /** Update values clipped to the study's range. */
  clipped: number;
  /** How many neighbours this clinic masked with. */
  neighbours: number;
  dropped: DropPoint | null;
}

/**
 * One clinic's secure-aggregation round over gRPC: advertise keys, share them with the neighbours,
 * train (inside `contribute`, while the masked-input stage is open), send the masked input, and
 * reveal the shares the coordinator asks for. The protocol's checks (signatures, threshold, never
 * both kinds of one neighbour's shares) are SecAggClient's.
 */
export async function runSecureRound(
  client: FederationClient,
  identity: ClinicIdentity,
  task: Task__Output,
  contribute: () => Promise<SecureContribution>,
  dropAt: DropPoint | null = null,
): Promise<SecureRoundOutcome> {
  const spec: SecAggSpec__Output = task.secagg!;
  const { studyId, round } = task;
  const clinicId = identity.clinicId;
  const roundId = secAggRoundId(studyId, round);
  const protocol = new SecAggClient(identity, roundId);
  const stage = { clinicId, studyId, round };

  const view = neighboursFromWire(await client.secAggAdvertise(advertToWire(protocol.advert, studyId, round)), roundId);
  const boxes = protocol.shareKeys(view);
  const delivery = await client.secAggShareKeys({ ...stage, shares: boxes.map(sealedToWire) });
  protocol.receiveShares(delivery.shares.map((box) => sealedFromWire(box, roundId)));
  if (dropAt === 'after-shares') return { clipped: 0, neighbours: view.peers.length, dropped: dropAt };

  const { delta, weight, addNoise } = await contribute();
  const fixedPoint = fixedPointFor(spec.clipRange, Number(spec.maxTotalWeight));
  const { words, clipped } = quantizeWeighted(delta, weight, fixedPoint);
  addNoise?.(words, fixedPoint.scale);
  const masked = protocol.maskInput(words);
  await client.uploadUpdate({ ...stage, modelVersion: task.modelVersion, codec: MASKED_INPUT_CODEC, numSamples: 0, trainLoss: 0, payload: wordsToBytes(masked) });
  if (dropAt === 'after-masked-input') return { clipped, neighbours: view.peers.length, dropped: dropAt };

  const request = await client.secAggUnmaskRequest(stage);
  const shares = protocol.reveal(request);
  await client.secAggRevealShares({ ...stage, shares: shares.map(shareToWire) });
  return { clipped, neighbours: view.peers.length, dropped: null };
}
