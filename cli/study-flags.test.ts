import { describe, expect, it } from '@jest/globals';
import { parseStudyConfig } from '../coordinator/index.js';
import { UsageError } from './flags.js';
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

describe('--protocol', () => {
  const settings = (values: Parameters<typeof studyFromFlags>[0]) => {
    const { strategy, training, rounds } = parseStudyConfig(studyFromFlags(values));
    return { strategy: strategy.name, ...training, rounds };
  };

  it("flamby is the dataset's own FLamby FedAvg protocol", () => {
    const heart = { strategy: 'fedavg', optimizer: 'sgd', learningRate: 1e-3, batchSize: 4, localSteps: 100, rounds: 15 };
    // Without --dataset, simulate's default dataset.
    expect({ dataset: 'fed-heart-disease', ...studyFromFlags({ protocol: 'flamby' }) }).toEqual(
      studyFromFlags({ dataset: 'fed-heart-disease', protocol: 'flamby' }),
    );
    expect(settings({ dataset: 'fed-heart-disease', protocol: 'flamby' })).toEqual(heart);
    const tcga = { strategy: 'fedavg', optimizer: 'sgd', learningRate: 0.1, batchSize: 8, localSteps: 100, rounds: 5 };
    expect(settings({ dataset: 'fed-tcga-brca', protocol: 'flamby' })).toEqual(tcga);
    expect(settings({ dataset: 'fed-tcga-brca', protocol: 'flamby', privacy: 'secagg' })).toEqual(tcga); // not the secagg default, FedYogi
    expect(settings({ dataset: 'fed-tcga-brca', protocol: 'flamby', lr: '0.05', rounds: '7' })).toEqual({ ...tcga, learningRate: 0.05, rounds: 7 });
  });

  it('flamby is refused for a dataset FLamby has no protocol for; an unknown protocol is refused', () => {
    expect(() => studyFromFlags({ dataset: 'pbc3', protocol: 'flamby' })).toThrow(
      "--protocol flamby: FLamby has no protocol for pbc3 (only for fed-heart-disease, fed-tcga-brca); leave --protocol out for Cohort's defaults",
    );
    expect(() => studyFromFlags({ dataset: 'pbc3', protocol: 'flamby' })).toThrow(UsageError);
    expect(() => studyFromFlags({ protocol: 'fedbuff' })).toThrow('--protocol must be one of tuned, flamby, got "fedbuff"');
  });

  it("tuned leaves the dataset's defaults in place", () => {
    expect(settings({ dataset: 'fed-tcga-brca', protocol: 'tuned' })).toEqual(settings({ dataset: 'fed-tcga-brca' }));
    expect(settings({ dataset: 'pbc3' })).toMatchObject({ strategy: 'newton-raphson', rounds: 8 });
  });
});
