import { seededRandom } from './random.js';

/**
 * A model as the coordinator sees it: a stack of dense layers flattened into one Float32 vector.
 * Layout: for each layer in order, the kernel [in, out] row-major, then the bias [out]. This is the
 * order TensorFlow.js returns from `model.getWeights()`, so clinics map it without copies or transposes.
 */
export interface ModelSpec {
  /**
   * `logistic-regression` (one dense layer, sigmoid; softmax with K > 1 outputs), `mlp` (ReLU hidden
   * layers, sigmoid or softmax output), or
   * `cox-linear` (one dense layer whose output is a log relative hazard: a linear Cox model, survival tasks),
   * or `cox-newton` (a Cox model fitted by federated Newton-Raphson: the coefficients and the partial
   * likelihood's statistics, survival/newton-layout.ts; strategy newton-raphson), or `linear-regression`
   * (one dense layer whose output is the predicted value: regression tasks, mean squared error).
   */
  architecture: Architecture;
  /** Number of input features. */
  inputDim: number;
  /** Hidden layer widths; empty for logistic regression. */
  hiddenUnits: number[];
  /** Output units: 1 for binary classification (a sigmoid) and Cox models, K > 1 for a softmax over K classes (multiclass). */
  outputDim: number;
  /**
   * Values appended after the model's own parameters: the consortium's feature statistics, for a
   * study that preprocesses with them (common/schema/feature-statistics.ts). Absent or 0: none.
   */
  statistics?: number;
  /**
   * `cox-newton` only: the study's agreed time grid, increasing positive times in the dataset's unit
   * (at most {@link MAX_TIME_GRID}), on which the clinics' sums give the federated Breslow baseline
   * hazard (survival/baseline-layout.ts). Absent: no baseline block, coefficients only.
   */
  timeGrid?: number[];
}

/** The most times a baseline hazard's grid may hold: each adds p + 3 values to every update. */
export const MAX_TIME_GRID = 1000;

export const ARCHITECTURES = ['logistic-regression', 'mlp', 'cox-linear', 'cox-newton', 'linear-regression'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface DenseLayerShape {
  inputs: number;
  outputs: number;
}

export function isArchitecture(name: string): name is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(name);
}

/** Builds a spec, checking that its dimensions (and a cox-newton model's time grid) make sense. */
export function modelSpec(architecture: string, inputDim: number, hiddenUnits: number[] = [], outputDim = 1, timeGrid?: number[]): ModelSpec {
  if (!isArchitecture(architecture)) {
    throw new Error(`unknown model architecture "${architecture}" (expected one of: ${ARCHITECTURES.join(', ')})`);
  }
  const dims = [inputDim, ...hiddenUnits, outputDim];
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`model dimensions must be positive integers, got ${JSON.stringify(dims)}`);
  }
  if (architecture !== 'mlp' && hiddenUnits.length > 0) {
    throw new Error(`${architecture} has no hidden layers`);
  }
  if ((architecture === 'cox-linear' || architecture === 'cox-newton') && outputDim !== 1)
    throw new Error(`${architecture} has one output, the log relative hazard`);
  if (architecture === 'linear-regression' && outputDim !== 1) throw new Error('linear-regression has one output, the predicted value');
  if (architecture === 'mlp' && hiddenUnits.length === 0) {
    throw new Error('mlp needs at least one hidden layer');
  }
  if (timeGrid === undefined) return { architecture, inputDim, hiddenUnits: [...hiddenUnits], outputDim };
  if (architecture !== 'cox-newton') throw new Error(`a time grid is for a cox-newton model's baseline hazard, not ${architecture}`);
  checkTimeGrid(timeGrid);
  return { architecture, inputDim, hiddenUnits: [...hiddenUnits], outputDim, timeGrid: timeGrid.map(Math.fround) };
}

/**
 * A baseline hazard's time grid: 1 to {@link MAX_TIME_GRID} finite positive times, strictly
 * increasing, and still so as float32 (the model vector carries them).
 */
export function checkTimeGrid(grid: readonly number[]): void {
  if (grid.length === 0 || grid.length > MAX_TIME_GRID) throw new Error(`a time grid holds 1 to ${MAX_TIME_GRID} times, got ${grid.length}`);
  grid.forEach((g, k) => {
    if (!(typeof g === 'number' && Number.isFinite(g) && g > 0)) throw new Error(`time grid value ${k + 1} is ${g}: every time must be a positive number`);
    if (k > 0 && !(Math.fround(g) > Math.fround(grid[k - 1]!)))
      throw new Error(`time grid value ${k + 1} (${g}) does not follow ${grid[k - 1]}: times must increase (as float32)`);
  });
}

export function layerShapes(spec: ModelSpec): DenseLayerShape[] {
  const dims = [spec.inputDim, ...spec.hiddenUnits, spec.outputDim];
  return dims.slice(1).map((outputs, i) => ({ inputs: dims[i]!, outputs }));
}

/**
 * The length of a `cox-newton` model vector over p covariates: β, the partial likelihood's
 * gradient, its information's upper triangle, log likelihood and events, and the total weight
 * (survival/newton-layout.ts reads and writes it).
 */
export function newtonVectorLength(covariates: number): number {
  return 2 * covariates + (covariates * (covariates + 1)) / 2 + 3;
}

/** Values in the model vector: the model's own parameters and any statistics block after them. */
export function parameterCount(spec: ModelSpec): number {
  return ownParameterCount(spec) + (spec.statistics ?? 0);
}

/**
 * The length of a `cox-newton` vector's baseline block over p covariates and a grid of K times:
 * the grid, the covariate means, the centre and coefficients the sums were taken at, per grid time
 * the events, Σ w and Σ (x - centre) w, and -K as its last value (survival/baseline-layout.ts).
 */
export function baselineBlockLength(covariates: number, gridPoints: number): number {
  return gridPoints === 0 ? 0 : gridPoints * (covariates + 3) + 3 * covariates + 1;
}

/** The model's own parameters, without a statistics block. */
export function ownParameterCount(spec: ModelSpec): number {
  if (spec.architecture === 'cox-newton') return newtonVectorLength(spec.inputDim) + baselineBlockLength(spec.inputDim, spec.timeGrid?.length ?? 0);
  return layerShapes(spec).reduce((sum, { inputs, outputs }) => sum + inputs * outputs + outputs, 0);
}

/** The spec without its statistics block: what a learner or a strategy sees of the model. */
export function withoutStatistics(spec: ModelSpec): ModelSpec {
  const { statistics: _statistics, ...own } = spec;
  return own;
}

/**
 * Initial parameters, reproducible from the seed: every weight and bias uniform in
 * [-1/sqrt(fan_in), 1/sqrt(fan_in)], PyTorch's default for nn.Linear (what FLamby's models start from).
 */
export function initialParameters(spec: ModelSpec, seed: number): Float32Array {
  // Newton-Raphson starts where coxph does, at β = 0, with no statistics yet.
  // The statistics block starts empty (all zero): round 1 fills it.
  if (spec.architecture === 'cox-newton') return initialNewton(spec);
  const random = seededRandom(seed);
  const params = new Float32Array(parameterCount(spec));
  let offset = 0;
  for (const { inputs, outputs } of layerShapes(spec)) {
    const bound = 1 / Math.sqrt(inputs);
    const size = inputs * outputs + outputs;
    for (let i = 0; i < size; i++) params[offset + i] = (2 * random.next() - 1) * bound;
    offset += size;
  }
  return params;
}

/** β = 0, no statistics yet; a baseline block with its grid and its length marker, no sums yet. */
function initialNewton(spec: ModelSpec): Float32Array {
  const params = new Float32Array(parameterCount(spec));
  const grid = spec.timeGrid ?? [];
  if (grid.length > 0) {
    params.set(grid, newtonVectorLength(spec.inputDim));
    params[ownParameterCount(spec) - 1] = -grid.length;
  }
  return params;
}
