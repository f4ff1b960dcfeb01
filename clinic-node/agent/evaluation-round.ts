import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { concordanceIndex, type ConcordanceCounts } from '../../survival/index.js';
import type { FederationClient } from '../client/federation-client.js';
import type { NodeState } from '../resilience/index.js';
import type { Learner } from './learner.js';
import type { ModelVersions } from './model-versions.js';
import type { NodeSummary } from './node-summary.js';
import { toModelSpec } from './training-round.js';

export interface EvaluationRoundParts {
  clinicId: string;
  log: (message: string) => void;
  state: Pick<NodeState, 'roundsOver'>;
  client: Pick<FederationClient, 'reportEvaluation'>;
  models: ModelVersions;
  learner: Learner;
  summary: NodeSummary;
}

/** An EVALUATE task: the model version on the clinic's test records; only the counts and metrics leave. */
export class EvaluationRound {
  constructor(private readonly parts: EvaluationRoundParts) {}

  async handle(task: Task__Output): Promise<void> {
    const { clinicId, state, client, models, learner, summary, log } = this.parts;
    await state.roundsOver(task.studyId, task.modelVersion);
    const spec = toModelSpec(task.model);
    const parameters = await models.parameters(task);
    const metrics = learner.evaluate(spec, parameters);
    summary.lastModel = { studyId: task.studyId, version: task.modelVersion, parameters };
    await client.reportEvaluation({
      clinicId,
      studyId: task.studyId,
      modelVersion: task.modelVersion,
      numTest: metrics.count,
      numCorrect: metrics.correct,
      accuracy: metrics.accuracy,
      loss: metrics.loss,
      ...concordanceFields(metrics.concordance),
      subgroups: (metrics.subgroups ?? []).map((s) => ({
        subgroup: s.subgroup,
        level: s.level,
        numTest: s.count,
        numCorrect: s.correct,
        predictedPositive: s.predictedPositive ?? 0,
        observedPositive: s.observedPositive ?? 0,
        concordantPairs: s.concordance?.concordant ?? 0,
        discordantPairs: s.concordance?.discordant ?? 0,
        tiedRiskPairs: s.concordance?.tiedRisk ?? 0,
      })),
    });
    summary.evaluations++;
    const score = metrics.concordance ? `C-index ${cIndexOf(metrics.concordance).toFixed(4)}` : `accuracy ${metrics.accuracy.toFixed(4)}`;
    log(`${clinicId}: model version ${task.modelVersion} ${score} on ${metrics.count} test records`);
  }
}

/** The report's concordance fields; a C-index of 0 where no pair was comparable (the wire takes no NaN). */
function concordanceFields(counts: ConcordanceCounts | undefined) {
  if (!counts) return {};
  return { concordantPairs: counts.concordant, discordantPairs: counts.discordant, tiedRiskPairs: counts.tiedRisk, cIndex: cIndexOf(counts) };
}

function cIndexOf(counts: ConcordanceCounts): number {
  const index = concordanceIndex(counts);
  return Number.isNaN(index) ? 0 : index;
}
