import {
  discreteGaussianNoise,
  fixedPointFor,
  MASKED_INPUT_CODEC,
  quantizeWeighted,
  SecAggClient,
  SecAggError,
  wordsToBytes,
  type ClinicIdentity,
} from '../../crypto/index.js';
import { advertToWire, neighboursFromWire, sealedFromWire, sealedToWire, secAggRoundId, shareToWire } from '../../wire/secagg-wire.js';
import type { SecAggSpec__Output } from '../../protos/generated/cohort/v1/SecAggSpec.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from '../client/federation-client.js';
import type { DistributedNoiseSettings } from '../privacy/privacy-guard.js';
import type { RevealJournal } from '../resilience/reveal-journal.js';

/** The calls a secure-aggregation round makes: what a wrapper around the round's client (simulated faults) sees. */
export type SecureRoundClient = Pick<FederationClient, 'secAggAdvertise' | 'secAggShareKeys' | 'uploadUpdate' | 'secAggUnmaskRequest' | 'secAggRevealShares'>;

/**
 * Thrown by a secure round's client to leave the round on purpose: the clinic stops answering and
 * the round goes on without it (its masks are removed through its neighbours' shares). Simulated
 * dropouts (`cohort simulate --dropout`) throw it; the node counts the round as left, not failed.
 */
export class LeftRound extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LeftRound';
  }
}

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
}

/**
 * One clinic's secure-aggregation round over gRPC: advertise keys, share them with the neighbours,
 * train (inside `contribute`, while the masked-input stage is open), send the masked input, and
 * reveal the shares the coordinator asks for. The protocol's checks (signatures, threshold, never
 * both kinds of one neighbour's shares) are SecAggClient's. Everything is bound to the round's
 * attempt (`secagg.attempt`): a run of the round after a coordinator restart has its own keys.
 * `beforeReveal` runs once the shares to reveal are known and checked, before any leaves the node.
 */
export async function runSecureRound(
  client: SecureRoundClient,
  identity: ClinicIdentity,
  task: Task__Output,
  contribute: () => Promise<SecureContribution>,
  beforeReveal: () => Promise<void> = async () => undefined,
): Promise<SecureRoundOutcome> {
  const spec: SecAggSpec__Output = task.secagg!;
  const { studyId, round } = task;
  const attempt = spec.attempt;
  const clinicId = identity.clinicId;
  const roundId = secAggRoundId(studyId, round, attempt);
  const protocol = new SecAggClient(identity, roundId);
  const stage = { clinicId, studyId, round, attempt };

  const view = neighboursFromWire(await client.secAggAdvertise(advertToWire(protocol.advert, studyId, round, attempt)), roundId);
  const boxes = protocol.shareKeys(view);
  const delivery = await client.secAggShareKeys({ ...stage, shares: boxes.map(sealedToWire) });
  protocol.receiveShares(delivery.shares.map((box) => sealedFromWire(box, roundId)));

  const { delta, weight, addNoise } = await contribute();
  const fixedPoint = fixedPointFor(spec.clipRange, Number(spec.maxTotalWeight));
  const { words, clipped } = quantizeWeighted(delta, weight, fixedPoint);
  addNoise?.(words, fixedPoint.scale);
  const masked = protocol.maskInput(words);
  await client.uploadUpdate({
    clinicId,
    studyId,
    round,
    modelVersion: task.modelVersion,
    codec: MASKED_INPUT_CODEC,
    numSamples: 0,
    trainLoss: 0,
    payload: wordsToBytes(masked),
  });

  const request = await client.secAggUnmaskRequest(stage);
  // With every other clinic as a neighbour the clinic sees who is in the sum: if fewer clinics'
  // noise would be in it than its noise was calibrated for, it does not help unmask.
  const everyone = view.peers.length + 1 === task.participants;
  if (addNoise && everyone && request.survivors.length + 1 < spec.minContributors) {
    throw new SecAggError(
      `round ${roundId}: only ${request.survivors.length + 1} clinics' noise would be in the sum, fewer than the ${spec.minContributors} this clinic's noise was calibrated for: refused, nothing revealed`,
    );
  }
  const shares = protocol.reveal(request);
  await beforeReveal();
  await client.secAggRevealShares({ ...stage, shares: shares.map(shareToWire) });
  return { clipped, neighbours: view.peers.length };
}

/**
 * Why this node must not join this attempt of a secure-aggregation round, or null if it may. A
 * secagg+dp round whose shares the node revealed in an earlier attempt (a coordinator restarted
 * after its unmask stage began) is not joined again: that attempt's noisy sum may have been
 * unmasked, and another attempt would be a second noisy release of the clinic's records under the
 * round's one privacy spend. A plain secagg round spends no budget: a later attempt is harmless.
 */
export function secAggAttemptRefusal(reveals: Pick<RevealJournal, 'revealed'>, task: Task__Output): string | null {
  if (!task.secagg) return null;
  const revealed = reveals.revealed(task.studyId, task.round);
  if (!revealed) return null;
  // Two unmasked attempts of one round with different survivors would let their difference show one
  // clinic's update (a coordinator faking a restart); under DP, a second noisy release under one spend.
  return (
    `this node revealed its shares in attempt ${revealed.attempt} of round ${task.round} of study ${task.studyId}, so that attempt's sum may have been unmasked; ` +
    `joining another attempt could let two sums of different survivors be subtracted${task.dp ? ", and would be a second noisy release under the round's one privacy spend" : ''}`
  );
}

/**
 * secagg+dp: the update clipped to L2 norm C, weight 1 (a record count would scale the sensitivity),
 * and this clinic's share of the discrete Gaussian noise, drawn in the fixed-point domain (its
 * standard deviation times the scale), so the noise is exact integers that the masks cannot disturb.
 */
export function distributedContribution(delta: Float32Array, settings: DistributedNoiseSettings): SecureContribution {
  let norm = 0;
  for (const value of delta) norm += value * value;
  norm = Math.sqrt(norm);
  const factor = norm > settings.clipNorm ? settings.clipNorm / norm : 1;
  return {
    delta: delta.map((value) => value * factor),
    weight: 1,
    addNoise: (words, scale) => {
      // The last word is the weight: it stays exact, so the coordinator divides by the true count.
      const noise = discreteGaussianNoise(settings.noiseStd * scale, words.length - 1);
      for (let i = 0; i < noise.length; i++) words[i] = (words[i]! + noise[i]!) >>> 0;
    },
  };
}
