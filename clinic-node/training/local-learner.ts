import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../common/model-spec.js';
import type { SiteDataset } from '../data/dataset.js';
import { selectBackend } from './backend.js';
import { evaluate, train, type TrainingOptions, type TrainingResult } from './local-training.js';

/** A clinic's learner: its data, kept local, and the two things a round asks of it. */
export class LocalLearner {
  constructor(private readonly data: SiteDataset) {}

  async ready(): Promise<string> {
    return selectBackend();
  }

  train(spec: ModelSpec, global: Float32Array, options: TrainingOptions): TrainingResult {
    return train(spec, global, this.data.train, options);
  }

  evaluate(spec: ModelSpec, parameters: Float32Array) {
    return evaluate(spec, parameters, this.data.test);
  }
}

export function activeBackend(): string {
  return tf.getBackend();
}
