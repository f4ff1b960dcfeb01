import { LeftRound, type SecureRoundClient } from '../clinic-node/protocols/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';

/** Where a simulated clinic stops answering in a secure round. */
export type DropPoint = 'after-shares' | 'after-masked-input';

/**
 * Simulated dropout for secure-aggregation rounds, as a wrapper around each round's client (a
 * node's `secureRoundClient` option): with `probability`, drawn from the round's training seed so a
 * run is reproducible, the clinic leaves the round at `at`, once that stage's call has gone through:
 * after its key shares are delivered (its update is lost, its masks are removed through its
 * neighbours' shares), or after its masked input is uploaded (it does not help unmask).
 */
export function secAggDropout(probability: number, at: DropPoint): (client: SecureRoundClient, task: Task__Output) => SecureRoundClient {
  if (!(probability >= 0 && probability < 1)) throw new RangeError(`the dropout probability must be in [0, 1), got ${probability}`);
  return (client, task) => {
    // Training seeds are uniform in 0..2^31-1.
    if (!((task.training?.seed ?? 0) / 2 ** 31 < probability)) return client;
    const leave = `${at}, simulated dropout`;
    return {
      secAggAdvertise: (advert) => client.secAggAdvertise(advert),
      secAggShareKeys: async (request) => {
        const delivery = await client.secAggShareKeys(request);
        if (at === 'after-shares') throw new LeftRound(leave);
        return delivery;
      },
      uploadUpdate: async (update) => {
        const ack = await client.uploadUpdate(update);
        if (at === 'after-masked-input') throw new LeftRound(leave);
        return ack;
      },
      secAggUnmaskRequest: (request) => client.secAggUnmaskRequest(request),
      secAggRevealShares: (reveal) => client.secAggRevealShares(reveal),
    };
  };
}
