import type { ModelSpec } from '../../common/model-spec.js';
import { coxStatistics } from '../../survival/index.js';
import type { Evaluation } from '../agent/learner.js';
import type { SurvivalSiteDataset } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { evaluateCox, trainCox } from './cox-training.js';
import type { TrainingOptions, TrainingResult } from './local-training.js';

/**
 * A clinic's learner for a survival study: a linear Cox model trained on its own records, scored by
 * Harrell's C on its test records. Only concordance pair counts and the mean loss leave it.
 */
export class CoxLearner {
  constructor(private readonly data: SurvivalSiteDataset) {}

  async ready(): Promise<string> {
    return selectBackend();
  }

  train(spec: ModelSpec, global: Float32Array, options: TrainingOptions): TrainingResult {
    checkSurvivalModel(spec);
    // The Cox loss ties a batch's records together, so DP-SGD's per-example clipping does not apply as is.
    if (options.dp) throw new Error('DP-SGD is not available for survival models: the Cox loss of a batch is not a sum over its records');
    if ((options.proximalMu ?? 0) > 0) throw new Error("FedProx's proximal term is not available for survival models");
    if (options.steps === undefined) throw new Error('a survival model trains a fixed number of steps per round');
    const { optimizer, learningRate, batchSize, steps, seed } = options;
    return trainCox(global, this.data.train, { optimizer, learningRate, batchSize, steps, seed });
  }

  /** Concordance on the test records, and their Cox loss: minus the partial log likelihood per record. */
  evaluate(spec: ModelSpec, parameters: Float32Array): Evaluation {
    checkSurvivalModel(spec);
    const { test } = this.data;
    const stats = coxStatistics(test, parameters.subarray(0, test.covariates));
    return { count: test.count, correct: 0, accuracy: 0, loss: -stats.logLikelihood / test.count, concordance: evaluateCox(parameters, test) };
  }
}

function checkSurvivalModel(spec: ModelSpec): void {
  if (spec.architecture !== 'cox-linear') throw new Error(`a survival study trains a cox-linear model, not ${spec.architecture}`);
}
