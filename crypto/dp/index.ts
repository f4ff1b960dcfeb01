/**
 * Differential privacy: an RDP accountant for the sampled Gaussian mechanism under four named
 * conventions (order grid, RDP-to-DP conversion, fractional-order series), noise calibration, and
 * Gaussian and discrete Gaussian noise from the CSPRNG.
 *
 * @example
 * epsilonFor({ q: 0.0025, noiseMultiplier: 1.3, steps: 6000 }, 1e-5, 'tf-privacy'); // { epsilon: 0.7242..., bestOrder: 19 }
 * calibrateNoise(1, 0.01, 1000, 1e-5);                                             // smallest noise multiplier for ε ≤ 1
 * discreteGaussianNoise(40, 3);                                                     // Float64Array of 3 integers, N_Z(0, 40²)
 */
export { calibrateNoise, CONVENTIONS, conventionByName, DEFAULT_CONVENTION, epsilonFor, ORDER_GRIDS, RdpAccountant } from './accountant.js';
export type { AccountingConvention, ConventionName, GaussianSteps } from './accountant.js';
export { discreteGaussianNoise } from './discrete-gaussian.js';
export { epsilonFromRdp, type Conversion, type EpsilonResult } from './conversion.js';
export { gaussianNoise } from './gaussian-noise.js';
export { poissonSample } from './poisson-sampling.js';
export { sampledGaussianRdp, type FractionalSeries } from './rdp.js';
