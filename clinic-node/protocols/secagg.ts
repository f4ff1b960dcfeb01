import type { ServiceError } from '@grpc/grpc-js';
import { SecAggError } from '../../crypto/index.js';
import type { SecAggSpec__Output } from '../../protos/generated/cohort/v1/SecAggSpec.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { roundMovedOn } from '../client/answers.js';
import type { RoundDecision } from '../privacy/privacy-guard.js';
import { roundRequest, type NodeProtocol, type ProtocolContext, type RoundEnd, type RoundInProgress, type RoundPrivacy } from './protocol.js';
import { distributedContribution, LeftRound, runSecureRound, secAggAttemptRefusal, type SecureRoundOutcome } from './secure-round.js';
import { downloadPlainModel } from './stored-update.js';

/**
 * Secure aggregation (privacy `secagg`, `secagg+dp`): the update goes into a masked sum over gRPC,
 * stage by stage; the coordinator unmasks only the sum and publishes plain model versions. Under
 * secagg+dp the clinic clips its whole update and adds its share of the noise before masking.
 * A masked input is bound to its attempt's keys and shares, held in memory on both sides, so it is
 * not kept in the outbox: a coordinator that restarts runs the round again as a new attempt.
 */
export class SecAggProtocol implements NodeProtocol {
  constructor(private readonly context: ProtocolContext) {}

  model(task: Task__Output): Promise<Float32Array> {
    return downloadPlainModel(this.context.client, this.context.clinicId, task, task.modelVersion);
  }

  attempt(task: Task__Output): number {
    return secAggOf(task).attempt;
  }

  refusal(task: Task__Output): string | null {
    const reason = secAggAttemptRefusal(this.context.reveals, task);
    return reason && `attempt ${this.attempt(task)} not joined: ${reason}`;
  }

  /**
   * A round handed out again (a later attempt after a coordinator restart, or the same attempt
   * before this clinic advertised) keeps the ledger's entry for it: one round, one spend.
   */
  decide(task: Task__Output, guard: RoundPrivacy, records: number): RoundDecision {
    const distributed = task.dp ? { contributors: secAggOf(task).minContributors } : undefined;
    return guard.recorded(task.studyId, task.round) ?? guard.decide(roundRequest(task, distributed), records);
  }

  /** The update goes into the masked sum; losing the round is not the node's failure. */
  async submit(round: RoundInProgress): Promise<RoundEnd> {
    const { task } = round;
    try {
      return await this.secureRound(round);
    } catch (error) {
      if (error instanceof LeftRound) {
        this.log(`round ${task.round} left on purpose (${error.message})`);
        return 'left';
      }
      // The clinic's own refusal of what the coordinator sent (a forged advert, a threshold too low, ...).
      if (error instanceof SecAggError) {
        this.log(`round ${task.round} secure aggregation refused: ${error.message}`);
        return 'not-aggregated';
      }
      if (!roundMovedOn(error)) throw error;
      this.log(`round ${task.round} secure aggregation left: ${(error as ServiceError).details}`);
      return 'not-aggregated';
    } finally {
      await round.settle();
    }
  }

  private async secureRound(round: RoundInProgress): Promise<RoundEnd> {
    const { task, decision } = round;
    const { distributed } = decision;
    const client = this.context.secureRoundClient?.(this.context.client, task) ?? this.context.client;
    let trained = 'trained (loss 0.0000)';
    // Durably noted before any share leaves the node, so no later attempt of the round is joined.
    const beforeReveal = () => this.context.reveals.record(task.studyId, task.round, this.attempt(task));
    const contribute = async () => {
      const { result, delta } = await round.train();
      trained = result.statisticsOnly ? 'feature statistics computed (nothing trained)' : `trained (loss ${result.loss.toFixed(4)})`;
      return distributed ? distributedContribution(delta, distributed) : { delta, weight: round.records };
    };
    const outcome = await runSecureRound(client, this.context.keystore.identity, task, contribute, beforeReveal);
    this.log(`round ${task.round} ${trained} and securely aggregated with ${describeOutcome(outcome)}${this.noise(round)}`);
    return 'aggregated';
  }

  private noise({ decision: { distributed }, spent }: RoundInProgress): string {
    return distributed
      ? `, distributed DP noise std ${distributed.noiseStd.toPrecision(4)} (floor ${distributed.contributors} clinics), epsilon so far ${spent!.epsilon.toFixed(4)}`
      : '';
  }

  private log(message: string): void {
    this.context.log(`${this.context.clinicId}: ${message}`);
  }
}

function describeOutcome({ neighbours, clipped }: SecureRoundOutcome): string {
  return `${neighbours} neighbours${clipped > 0 ? `, ${clipped} values clipped to the study's range` : ''}`;
}

function secAggOf(task: Task__Output): SecAggSpec__Output {
  if (!task.secagg) throw new Error(`a task of study ${task.studyId} went to the secure-aggregation protocol without a secagg spec`);
  return task.secagg;
}
