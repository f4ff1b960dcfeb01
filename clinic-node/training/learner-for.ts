import type { Learner } from '../agent/learner.js';
import { isSurvival, type AnySiteDataset } from '../data/dataset.js';
import { CoxLearner } from './cox-learner.js';
import { LocalLearner } from './local-learner.js';

/** The learner for the data's task: a linear Cox model for survival data, a dense network otherwise. */
export function learnerFor(data: AnySiteDataset): Learner & { ready(): Promise<string> } {
  return isSurvival(data) ? new CoxLearner(data) : new LocalLearner(data);
}
