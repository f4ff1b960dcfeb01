/**
 * How a clinic's update travels, one protocol per way: plain, CKKS-encrypted, securely aggregated.
 * Each reads model versions, takes the round's privacy decision (DP is a setting the guard layers
 * on any of them) and encodes and sends the update. The choice from a task's specs happens here
 * only; the rest of the node asks for `protocols.for(task)`.
 *
 * @example
 * const protocols = new NodeProtocols({ client, clinicId, keystore, reveals: state.reveals, log });
 * const protocol = protocols.for(task);
 * const parameters = await protocol.model(task);
 * await protocols.close();
 */
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { CkksProtocol } from './ckks.js';
import { PlainProtocol } from './plain.js';
import type { NodeProtocol, ProtocolContext } from './protocol.js';
import { SecAggProtocol } from './secagg.js';

export type { EncodedUpdate, NodeProtocol, ProtocolContext, RoundEnd, RoundInProgress, TrainDecision, TrainedUpdate } from './protocol.js';
export { trainingOf } from './protocol.js';
export { LeftRound, type SecureRoundClient } from './secure-round.js';

/** The node's three protocols, and the one place a task picks among them. */
export class NodeProtocols {
  private readonly plain: PlainProtocol;
  private readonly ckks: CkksProtocol;
  private readonly secagg: SecAggProtocol;

  constructor(context: ProtocolContext) {
    this.plain = new PlainProtocol(context);
    this.ckks = new CkksProtocol(context);
    this.secagg = new SecAggProtocol(context);
  }

  /** The protocol the task's update travels by: its secagg spec, else its encryption spec, else plain. */
  for(task: Task__Output): NodeProtocol {
    if (task.secagg) return this.secagg;
    if (task.encryption) return this.ckks;
    return this.plain;
  }

  /** Frees what the protocols hold (SEAL keys and contexts). */
  close(): Promise<void> {
    return this.ckks.close();
  }
}
