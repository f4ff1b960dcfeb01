import type { ModelSpec } from '../common/model-spec.js';
import type { Learner } from '../clinic-node/node-agent.js';
import type { EncodedUpdate } from '../clinic-node/protocols/index.js';
import type { TrainingOptions, TrainingResult } from '../clinic-node/training/local-training.js';

/**
 * How a hostile clinic corrupts its update (`cohort simulate --malicious N --attack A`), sending it
 * through the node's real path (every privacy mode, signed, over gRPC), its sample count honest:
 * - `scale`: a delta of -1000 times the global model (drags the mean far from any honest update);
 * - `sign-flip`: its honestly trained delta, reversed and amplified four times;
 * - `constant`: -8 on every parameter (secure aggregation's default clip range, every word at -clip);
 * - `weight`: a delta of -2 times the global model declaring 2^53 - 1 training samples, to outweigh
 *   every honest update in a sample-weighted mean (plain updates: under he and secagg the weight is
 *   the count the operator approved, and an inflated one is refused when the clinic registers).
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
