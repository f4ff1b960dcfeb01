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
import type { UpdateTransport } from '../../common/privacy-mode.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { CkksProtocol } from './ckks.js';
import { PlainProtocol } from './plain.js';
import type { NodeProtocol, ProtocolContext } from './protocol.js';
import { SecAggProtocol } from './secagg.js';

export type { EncodedUpdate, NodeProtocol, ProtocolContext, RoundEnd, RoundInProgress, TrainDecision, TrainedUpdate } from './protocol.js';
export { trainingOf } from './protocol.js';
export { LeftRound, type SecureRoundClient } from './secure-round.js';

/**
 * How the task's update travels, from the specs it carries: a secagg spec means masked inputs, an
 * encryption spec CKKS ciphertexts, neither plain float32. A dp spec changes no transport.
 */
export function transportOf(task: Pick<Task__Output, 'secagg' | 'encryption'>): UpdateTransport {
  if (task.secagg) return 'secagg';
  if (task.encryption) return 'ckks';
  return 'plain';
}

/** The node's three protocols, and the one place a task picks among them. */
export class NodeProtocols {
  private readonly ckks: CkksProtocol;
  private readonly byTransport: { readonly [T in UpdateTransport]: NodeProtocol };

  constructor(context: ProtocolContext) {
    this.ckks = new CkksProtocol(context);
    this.byTransport = { plain: new PlainProtocol(context), ckks: this.ckks, secagg: new SecAggProtocol(context) };
  }

  /** The protocol the task's update travels by. */
  for(task: Task__Output): NodeProtocol {
    return this.byTransport[transportOf(task)];
  }

  /** Frees what the protocols hold (SEAL keys and contexts). */
  close(): Promise<void> {
    return this.ckks.close();
  }
}
