import { plainFloat32Codec } from '../../crypto/index.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { RoundDecision } from '../privacy/privacy-guard.js';
import { roundRequest, type NodeProtocol, type ProtocolContext, type RoundEnd, type RoundInProgress, type RoundPrivacy } from './protocol.js';
import { downloadPlainModel, reportedLoss, sendStoredUpdate } from './stored-update.js';

/**
 * Updates in the clear (privacy `none`, and `dp` with DP-SGD at the clinic): float32 deltas with
 * the clinic's record count; model versions downloaded as they are.
 */
export class PlainProtocol implements NodeProtocol {
  constructor(private readonly context: ProtocolContext) {}

  model(task: Task__Output): Promise<Float32Array> {
    return downloadPlainModel(this.context.client, this.context.clinicId, task, task.modelVersion);
  }

  attempt(): null {
    return null;
  }

  refusal(): null {
    return null;
  }

  decide(task: Task__Output, guard: RoundPrivacy, records: number): RoundDecision {
    return guard.decide(roundRequest(task), records);
  }

  submit(round: RoundInProgress): Promise<RoundEnd> {
    return sendStoredUpdate(
      round,
      (update) => ({
        codec: plainFloat32Codec.name,
        numSamples: round.records,
        trainLoss: reportedLoss(round, update),
        payload: plainFloat32Codec.encode(update.delta),
      }),
      this.log,
    );
  }

  private readonly log = (message: string) => this.context.log(`${this.context.clinicId}: ${message}`);
}
