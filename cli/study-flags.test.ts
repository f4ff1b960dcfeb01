import { describe, expect, it } from '@jest/globals';
import { parseStudyConfig } from '../coordinator/index.js';
import { studyFromFlags } from './study-flags.js';

describe('strategy flags', () => {
  it('--strategy-params sets any setting by its study-JSON name, checked by the registry', () => {
    const study = studyFromFlags({ dataset: 'fed-heart-disease', strategy: 'fedprox', 'strategy-params': 'mu=0.01, serverLearningRate=0.5' });
    expect(study['strategy']).toEqual({ name: 'fedprox', mu: 0.01, serverLearningRate: 0.5 });
    expect(parseStudyConfig(study).strategy).toEqual({ name: 'fedprox', mu: 0.01, serverLearningRate: 0.5 });
    expect(() => parseStudyConfig(studyFromFlags({ dataset: 'fed-heart-disease', strategy: 'fedavg', 'strategy-params': 'mu=1' }))).toThrow(
      'strategy.mu is not a setting of fedavg (its settings: serverLearningRate)',
    );
  });

  it('--strategy-params refuses anything but name=number pairs', () => {
    for (const bad of ['mu', 'mu=', 'mu=x', '=1', 'mu=1=2']) {
      expect(() => studyFromFlags({ strategy: 'fedprox', 'strategy-params': bad })).toThrow(
        `--strategy-params takes name=number pairs separated by commas, got "${bad}"`,
      );
    }
  });

  it('naming a strategy without settings gives all its defaults', () => {
    expect(parseStudyConfig(studyFromFlags({ dataset: 'fed-heart-disease', strategy: 'fedadam' })).strategy).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
    });
  });
});
