import type { ModelSpec } from '../common/model-spec.js';
import type { Learner } from '../clinic-node/node-agent.js';
import type { EncodedUpdate, SecureRoundClient } from '../clinic-node/protocols/index.js';
import { bytesToWords, wordsToBytes } from '../crypto/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import type { TrainingOptions, TrainingResult } from '../clinic-node/training/local-training.js';

/**
 * How a hostile clinic corrupts its update (`cohort simulate --malicious N --attack A`), sending it
 * through the node's real path (every privacy mode, signed, over gRPC), its sample count honest:
 * - `scale`: a delta of -1000 times the global model (drags the mean far from any honest update);
 * - `sign-flip`: its honestly trained delta, reversed and amplified four times;
 * - `constant`: -8 on every parameter (secure aggregation's default clip range, every word at -clip);
 * - `weight`: a delta of -2 times the global model declaring 2^53 - 1 training samples, to outweigh
 *   every honest update in a sample-weighted mean; under secure aggregation, where the weight travels
 *   masked, its masked input's weight word raised by {@link INFLATED_WEIGHT_WORD} (under he the
 *   weight is the approved count, and an inflated one is refused when the clinic registers).
 */
export type Attack = 'scale' | 'sign-flip' | 'constant' | 'weight';
export const ATTACKS: readonly Attack[] = ['scale', 'sign-flip', 'constant', 'weight'];

/** The attack named `name`, or an error listing the known ones. */
export function parseAttack(name: string): Attack {
  if (!(ATTACKS as readonly string[]).includes(name)) throw new Error(`unknown attack "${name}" (known: ${ATTACKS.join(', ')})`);
  return name as Attack;
}

/** The delta a hostile clinic sends instead of `honest`, trained from `global`. */
export function hostileDelta(attack: Attack, global: Float32Array, honest: Float32Array): Float32Array {
  switch (attack) {
    case 'scale':
      return global.map((w) => -1000 * w);
    case 'sign-flip':
      return honest.map((d) => -4 * d);
    case 'constant':
      return new Float32Array(global.length).fill(-8);
    case 'weight':
      return global.map((w) => -2 * w);
  }
}

/** The sample count the `weight` attack declares: the largest a float64 holds exactly. */
export const INFLATED_SAMPLES = Number.MAX_SAFE_INTEGER;

/** What the `weight` attack adds to the weight word of its masked input under secure aggregation. */
export const INFLATED_WEIGHT_WORD = 1000;

/**
 * The `weight` attack under secure aggregation (NodeOptions.secureRoundClient): the masked input's
 * last word, its weight, raised by INFLATED_WEIGHT_WORD before upload. Masks add modulo 2^32, so the
 * unmasked sum's weight is off by as much: the coordinator can only discard that round's sum.
 */
export function hostileSecureClient(client: SecureRoundClient, _task: Task__Output): SecureRoundClient {
  return {
    secAggAdvertise: (advert) => client.secAggAdvertise(advert),
    secAggShareKeys: (request) => client.secAggShareKeys(request),
    uploadUpdate: (update) => {
      const words = bytesToWords(update.payload as Uint8Array);
      words[words.length - 1] = (words[words.length - 1]! + INFLATED_WEIGHT_WORD) >>> 0;
      return client.uploadUpdate({ ...update, payload: Buffer.from(wordsToBytes(words)) });
    },
    secAggUnmaskRequest: (request) => client.secAggUnmaskRequest(request),
    secAggRevealShares: (reveal) => client.secAggRevealShares(reveal),
  };
}

/** How the attack rewrites the encoded update (NodeOptions.tamperUpdate), or null when it sends its count honestly. */
export function hostileClaim(attack: Attack): ((update: EncodedUpdate) => EncodedUpdate) | null {
  return attack === 'weight' ? (update) => ({ ...update, numSamples: INFLATED_SAMPLES }) : null;
}

/** A learner that trains like `honest` and then replaces its update by the attack's; it evaluates honestly. */
export function hostileLearner(honest: Learner, attack: Attack): Learner {
  return {
    train(spec: ModelSpec, global: Float32Array, options: TrainingOptions): TrainingResult {
      const result = honest.train(spec, global, options);
      const delta = hostileDelta(
        attack,
        global,
        result.parameters.map((w, i) => w - global[i]!),
      );
      return { ...result, parameters: global.map((w, i) => w + delta[i]!) };
    },
    evaluate: (spec, parameters) => honest.evaluate(spec, parameters),
  };
}
