// The strategies Cohort ships, one line each: a strategy is added here and in its own file.
export { FEDADAGRAD } from './fedadagrad.js';
export { FEDADAM } from './fedadam.js';
export { FEDAVG } from './fedavg.js';
export { FEDPROX } from './fedprox.js';
export { FEDYOGI } from './fedyogi.js';
export { GEOMETRIC_MEDIAN } from './geometric-median.js';
export { MEAN_AROUND_MEDIAN } from './mean-around-median.js';
export { MEDIAN } from './median.js';
export { MULTI_KRUM } from './multi-krum.js';
export { NEWTON_RAPHSON } from './newton-raphson.js';
export { NORM_BOUNDED } from './norm-bounded.js';
export { TRIMMED_MEAN } from './trimmed-mean.js';
