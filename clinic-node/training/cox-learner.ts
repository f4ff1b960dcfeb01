import type { ModelSpec } from '../../common/model-spec.js';
import { answerBaselineBlock, coxStatistics, packStatistics, readNewtonModel, statisticsSlice, type SurvivalRecords } from '../../survival/index.js';
import type { Evaluation } from '../agent/learner.js';
import type { SurvivalSiteDataset } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { trainCoxPrivately } from './cox-dp-sgd.js';
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
    if (spec.architecture === 'cox-newton') {
      if (options.dp)
        throw new Error('a cox-newton model is fitted from exact sums: differential privacy is not available for it (train cox-linear with DP-SGD)');
      return newtonAnswer(global, this.data.train);
    }
    if ((options.proximalMu ?? 0) > 0) throw new Error("FedProx's proximal term is not available for survival models");
    if (options.steps === undefined) throw new Error('a survival model trains a fixed number of steps per round');
    const { optimizer, learningRate, batchSize, steps, seed } = options;
    // The Cox loss ties a batch's records together: DP-SGD clips the whole batch's gradient (cox-dp-sgd.ts).
    if (options.dp) return trainCoxPrivately(global, this.data.train, { optimizer, learningRate, steps, dp: options.dp });
    return trainCox(global, this.data.train, { optimizer, learningRate, batchSize, steps, seed });
  }

  /** Concordance on the test records, and their Cox loss: minus the partial log likelihood per record. */
  evaluate(spec: ModelSpec, parameters: Float32Array): Evaluation {
    checkSurvivalModel(spec);
    const { test } = this.data;
    const beta = parameters.subarray(0, test.covariates);
    const stats = coxStatistics(test, beta);
    return { count: test.count, correct: 0, accuracy: 0, loss: -stats.logLikelihood / test.count, concordance: evaluateCox(beta, test) };
  }
}

function checkSurvivalModel(spec: ModelSpec): void {
  if (spec.architecture !== 'cox-linear' && spec.architecture !== 'cox-newton') {
    throw new Error(`a survival study trains a cox-linear or cox-newton model, not ${spec.architecture}`);
  }
}

/**
 * A Newton-Raphson round's answer: the model vector with the clinic's own partial-likelihood
 * statistics at the current β (Efron ties) over its record count in place of the previous sums,
 * and, when the study has a time grid, its own baseline grid sums likewise.
 */
function newtonAnswer(global: Float32Array, records: SurvivalRecords): TrainingResult {
  const { coefficients } = readNewtonModel(global);
  if (coefficients.length !== records.covariates)
    throw new Error(`the model has ${coefficients.length} coefficients; the clinic's records have ${records.covariates} covariates`);
  const stats = coxStatistics(records, coefficients, 'efron');
  const parameters = Float32Array.from(global);
  parameters.set(packStatistics(stats, records.count), statisticsSlice(records.covariates).start);
  answerBaselineBlock(parameters, records);
  return { parameters, loss: -stats.logLikelihood / records.count, steps: 1 };
}
