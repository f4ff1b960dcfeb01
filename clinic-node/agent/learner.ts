import type { ConcordanceCounts } from '../../survival/index.js';
import type { ModelSpec } from '../../common/model-spec.js';
import type { TrainingOptions, TrainingResult } from '../training/local-training.js';

/** A model's metrics on the clinic's test records. */
export interface Evaluation {
  count: number;
  /** Classification: test records classified right, and their share (0 for a survival model). */
  correct: number;
  accuracy: number;
  loss: number;
  /** Survival: Harrell's concordance as pair counts. */
  concordance?: ConcordanceCounts;
  /** Classification: the sum of predicted probabilities and the positives observed (calibration). */
  predictedPositive?: number;
  observedPositive?: number;
  /** Studies whose schema names subgroups: the same per subgroup level, only levels with at least the study's minimum size. */
  subgroups?: SubgroupMetrics[];
}

/** A model's metrics on the test records of one subgroup level. */
export interface SubgroupMetrics extends Evaluation {
  subgroup: string;
  level: string;
}

/**
 * What a round asks of the clinic's learner: train from the global parameters on the local
 * training records, evaluate parameters on the local test records. Records never leave it.
 * The node's default is LocalLearner (TensorFlow.js over the site's data).
 */
export interface Learner {
  train(spec: ModelSpec, global: Float32Array, options: TrainingOptions): TrainingResult;
  evaluate(spec: ModelSpec, parameters: Float32Array): Evaluation;
}
