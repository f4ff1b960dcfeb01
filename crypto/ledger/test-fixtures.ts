import type { DistributedGaussianMechanism, DpSgdMechanism } from './index.js';

// Shared by the ledger's tests, and not a test file itself. Only functions: tests call them in
// beforeEach or in the test, since what a test file computes while loading counts as 'static' in
// mutation testing, and every static mutant reruns every test.

/**
 * Patient-level DP-SGD as a Fed-Heart-Disease clinic of 199 training records runs it: Poisson
 * sampling at 2%, clip norm 1, `steps` noisy steps at `noiseMultiplier`.
 */
export function dpSgdMechanism(noiseMultiplier = 3, steps = 300): DpSgdMechanism {
  return {
    type: 'dp-sgd',
    unit: 'patient',
    relation: 'add-remove',
    sampling: 'poisson',
    samplingRate: 0.02,
    noiseMultiplier,
    clipNorm: 1,
    steps,
    records: 199,
  };
}

/**
 * One secure-aggregation round's distributed Gaussian noise among 3 contributors at clip norm 0.5
 * (sensitivity 1), for a clinic of 199 records.
 */
export function distributedGaussianMechanism(noiseMultiplier = 4): DistributedGaussianMechanism {
  return {
    type: 'distributed-gaussian',
    unit: 'patient',
    relation: 'add-remove',
    noiseMultiplier,
    clipNorm: 0.5,
    sensitivity: 1,
    contributors: 3,
    steps: 1,
    records: 199,
  };
}
