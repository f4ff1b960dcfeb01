import { modelSpec, type ModelSpec } from '../../common/model-spec.js';
import type { ModelSpec__Output } from '../../protos/generated/cohort/v1/ModelSpec.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from '../client/federation-client.js';
import type { PrivacyGuard, RoundDecision } from '../privacy/privacy-guard.js';
import { trainingOf, type EncodedUpdate, type NodeProtocol, type RoundInProgress, type TrainDecision } from '../protocols/index.js';
import type { NodeState } from '../resilience/index.js';
import { localFitSettings } from '../training/fit-config.js';
import type { TrainingOptions } from '../training/local-training.js';
import type { Learner } from './learner.js';
import type { ModelVersions } from './model-versions.js';
import type { NodeSummary } from './node-summary.js';
import type { OutboxSender } from './outbox-sender.js';
import { RoundBook } from './round-book.js';

export interface TrainingRoundParts {
  clinicId: string;
  log: (message: string) => void;
  state: Pick<NodeState, 'outbox' | 'journal' | 'roundsOver' | 'isAbandoned'>;
  rounds: RoundBook;
  guard: Pick<PrivacyGuard, 'decide' | 'recorded' | 'sync' | 'spent'>;
  /** Where the guard sends the ledger entries the coordinator lacks. */
  client: FederationClient;
  protocols: { for(task: Task__Output): NodeProtocol };
  models: ModelVersions;
  learner: Learner;
  sender: Pick<OutboxSender, 'deliver' | 'resend'>;
  summary: NodeSummary;
  /** Throws once a stop's grace period is over: no training after that. */
  checkpoint: () => void;
  /** The clinic's training records. */
  records: number;
  /** Rewrites each update before the outbox keeps it (NodeOptions.tamperUpdate: simulated hostile clinics); default none. */
  tamperUpdate?: (update: EncodedUpdate) => EncodedUpdate;
}

/**
 * A TRAIN task: skip what must not be trained (a round this node crashed in, one already trained or
 * answered, an attempt it must not join), resend an update the outbox already holds, else decide
 * the round's privacy, train once and hand the update to the task's protocol.
 */
export class TrainingRound {
  constructor(private readonly parts: TrainingRoundParts) {}

  async handle(task: Task__Output): Promise<void> {
    const { state, sender, protocols } = this.parts;
    const round = `round ${task.round} of study ${task.studyId}`;
    await state.roundsOver(task.studyId, task.round - 1);
    if (state.isAbandoned(task.studyId, task.round)) {
      return this.log(
        `${round} not trained: this node crashed while training it (a spend may be in its ledger, and training again would look at the records twice); rejoining at the next round`,
      );
    }
    // Computed before a lost connection or a crash: the same update goes again, the round is not trained twice.
    const kept = state.outbox.get(task.studyId, task.round);
    if (kept) {
      this.log(`${round}: resending the update already computed (outbox) instead of training again`);
      return sender.resend(kept);
    }
    const protocol = protocols.for(task);
    const attempt = protocol.attempt(task);
    const key = RoundBook.key(task.studyId, task.round, attempt);
    if (this.parts.rounds.done(key)) {
      return this.log(`${round}${attempt ? ` (attempt ${attempt})` : ''} was already trained by this node; not training it again`);
    }
    const refusal = protocol.refusal(task);
    if (refusal) return this.log(`${round} ${refusal}`);
    // A task without its model or training settings is refused before anything is written.
    const spec = toModelSpec(task.model);
    trainingOf(task);
    localFitSettings(task.fitConfig);
    // Before any spend or look at the records: if the node dies between here and the outbox, it sits this round out.
    await state.journal.begin(task.studyId, task.round);
    const decision = await this.decide(task, protocol, key);
    if (!decision.train) {
      await this.settle(task, key);
      this.parts.summary.refusedRounds++;
      return this.log(`round ${task.round} of study ${task.studyId} refused: ${decision.reason}`);
    }
    if (decision.note) this.log(`round ${task.round} of study ${task.studyId}: ${decision.note}`);
    const end = await protocol.submit(this.inProgress(task, key, spec, decision));
    if (end === 'aggregated') this.parts.summary.trainedRounds++;
    if (end === 'left') this.parts.summary.droppedRounds++;
  }

  /**
   * A task that comes back after a lost connection keeps the decision already made: one round, one
   * spend. The coordinator holds the ledger entry (and any it missed) before the update or the
   * refusal counts.
   */
  private async decide(task: Task__Output, protocol: NodeProtocol, key: string): Promise<RoundDecision> {
    const { rounds, guard, summary } = this.parts;
    const decision = rounds.decision(key) ?? protocol.decide(task, guard, this.parts.records);
    rounds.keepDecision(key, decision);
    if (decision.entry) await guard.sync(this.parts.client, this.parts.clinicId);
    summary.privacySpent = guard.spent();
    return decision;
  }

  private inProgress(task: Task__Output, key: string, spec: ModelSpec, decision: TrainDecision): RoundInProgress {
    const { clinicId, state, sender } = this.parts;
    return {
      task,
      decision,
      records: this.parts.records,
      spent: this.parts.summary.privacySpent,
      train: () => this.train(task, key, spec, decision),
      storeAndSend: async (update: EncodedUpdate) => {
        const sent = this.parts.tamperUpdate?.(update) ?? update;
        const entry = await state.outbox.put({ clinicId, studyId: task.studyId, round: task.round, modelVersion: task.modelVersion, ...sent });
        await this.settle(task, key);
        return sender.deliver(entry);
      },
      settle: () => this.settle(task, key),
    };
  }

  private async train(task: Task__Output, key: string, spec: ModelSpec, decision: TrainDecision) {
    const { models, learner, rounds } = this.parts;
    const global = await models.parameters(task);
    // A stop whose grace ran out while the model downloaded: no training after that.
    this.parts.checkpoint();
    rounds.markTrained(key);
    this.log(`training round ${task.round} of study ${task.studyId}`);
    const result = learner.train(spec, global, trainingOptions(task, decision));
    return { result, delta: result.parameters.map((w, i) => w - global[i]!) };
  }

  /** The round's decision and crash-journal marker go: its update is safe in the outbox, or the round is over for this node. */
  private async settle(task: Task__Output, key: string): Promise<void> {
    this.parts.rounds.dropDecision(key);
    await this.parts.state.journal.end(task.studyId, task.round);
  }

  private log(message: string): void {
    this.parts.log(`${this.parts.clinicId}: ${message}`);
  }
}

/** The learner's options for a training task, with the round's DP-SGD settings when it has them. */
export function trainingOptions(task: Task__Output, { dp }: TrainDecision): TrainingOptions {
  const training = trainingOf(task);
  return {
    optimizer: training.optimizer === 'adam' ? 'adam' : 'sgd',
    learningRate: training.learningRate,
    batchSize: training.batchSize,
    steps: training.localSteps,
    seed: training.seed,
    ...localFitSettings(task.fitConfig),
    ...(dp ? { dp } : {}),
  };
}

export function toModelSpec(message: ModelSpec__Output | null): ModelSpec {
  if (!message) throw new Error('task carries no model spec');
  // A task from a coordinator that predates time grids has none.
  const grid = message.timeGrid?.length ? message.timeGrid : undefined;
  const spec = modelSpec(message.architecture, message.inputDim, message.hiddenUnits, message.outputDim, grid);
  return message.statistics > 0 ? { ...spec, statistics: message.statistics } : spec;
}
