import { describe, expect, it } from '@jest/globals';
import { PRIVACY_MODES } from '../../common/privacy-mode.js';
import { defineStrategy, STRATEGIES, StrategyRegistry, type AggregateResult, type FitResult, type Strategy } from '../../strategies/index.js';
import { defaultQuorum, parseStudyConfig, StudyConfigError } from './study-config.js';

const DATASET = 'fed-heart-disease';

function problems(input: unknown, registry?: StrategyRegistry): string[] {
  try {
    parseStudyConfig(input, registry);
  } catch (error) {
    expect(error).toBeInstanceOf(StudyConfigError);
    return (error as StudyConfigError).problems;
  }
  return [];
}

/** A strategy that must see each clinic's update (as a coordinate-wise median would). */
class FirstUpdateWins implements Strategy {
  readonly name = 'first-update';
  readonly needsIndividualUpdates = true;
  configureFit = () => ({ clinics: [] });
  fitConfig = () => ({});
  aggregate(results: Iterable<FitResult>, global: Float32Array): AggregateResult {
    const [first] = results;
    return { parameters: global.map((w, i) => w + first!.delta[i]!), state: null };
  }
  serverStep(): AggregateResult {
    throw new Error('first-update needs individual updates');
  }
}

const INDIVIDUAL = defineStrategy({ name: 'first-update', summary: 'test only', settings: {}, create: () => new FirstUpdateWins() });
const WITH_INDIVIDUAL = new StrategyRegistry([STRATEGIES.definition('fedadam'), INDIVIDUAL]);

describe("a study's strategy", () => {
  it('is the geometric median when none is named and the coordinator sees each update', () => {
    for (const privacy of ['none', 'dp']) {
      expect(parseStudyConfig({ dataset: DATASET, privacy }).strategy).toEqual({ name: 'geometric-median', maxIterations: 100, tolerance: 1e-7 });
    }
    expect(parseStudyConfig({ dataset: DATASET }).name).toBe('fed-heart-disease geometric-median');
    expect(problems({ dataset: DATASET, strategy: { serverLearningRate: 0.02 } })).toEqual([
      'strategy.serverLearningRate is not a setting of geometric-median (its settings: maxIterations, tolerance)',
    ]);
  });

  it('is FedAdam with 0.01 / 0.9 / 0.999 / 1e-8 when none is named and updates are hidden', () => {
    for (const privacy of ['he', 'he+dp', 'secagg', 'secagg+dp']) {
      expect(parseStudyConfig({ dataset: DATASET, privacy }).strategy).toEqual({
        name: 'fedadam',
        serverLearningRate: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        tau: 1e-8,
      });
    }
    expect(parseStudyConfig({ dataset: DATASET, privacy: 'secagg', strategy: { serverLearningRate: 0.02 } }).strategy).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.02,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
    });
  });

  it('gets every documented default of the strategy it names', () => {
    // The bug: naming fedadam with a learning rate gave beta2 0.99 and tau 1e-9, and stored only the fields given.
    expect(parseStudyConfig({ dataset: DATASET, strategy: { name: 'fedadam', serverLearningRate: 0.01 } }).strategy).toEqual({
      name: 'fedadam',
      serverLearningRate: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      tau: 1e-8,
    });
    expect(parseStudyConfig({ dataset: DATASET, strategy: { name: 'fedavg' } }).strategy).toEqual({ name: 'fedavg', serverLearningRate: 1 });
    expect(parseStudyConfig({ dataset: DATASET, strategy: { name: 'fedyogi' } }).strategy).toEqual({
      name: 'fedyogi',
      serverLearningRate: 0.01,
      beta1: 0.9,
      beta2: 0.99,
      tau: 1e-9,
    });
    expect(parseStudyConfig({ dataset: DATASET, strategy: { name: 'fedadagrad' } }).strategy).toEqual({
      name: 'fedadagrad',
      serverLearningRate: 0.01,
      beta1: 0.9,
      tau: 1e-9,
    });
    expect(parseStudyConfig({ dataset: DATASET, strategy: { name: 'fedavg' } }).name).toBe('fed-heart-disease fedavg');
  });

  it("names each bad strategy field among the study's other problems", () => {
    expect(problems({ dataset: DATASET, rounds: 0, strategy: { name: 'fedadam', beta2: 1, momentum: 0.5 } })).toEqual([
      'strategy.momentum is not a setting of fedadam (its settings: serverLearningRate, beta1, tau, beta2)',
      'strategy.beta2 must be a number in [0, 1), got 1',
      'rounds must be an integer >= 1, got 0',
    ]);
    expect(problems({ dataset: DATASET, strategy: { name: 'fedmagic' } })).toEqual([
      `strategy.name "fedmagic" is unknown (known: ${STRATEGIES.names.join(', ')})`,
    ]);
    expect(problems({ dataset: DATASET, strategy: 'fedavg' })).toEqual(['strategy must be an object, got "fedavg"']);
  });

  it('that needs individual updates is refused with a privacy mode that hides them, naming both', () => {
    for (const privacy of ['he', 'he+dp', 'secagg', 'secagg+dp']) {
      expect(problems({ dataset: DATASET, privacy, quorum: 4, strategy: { name: 'first-update' } }, WITH_INDIVIDUAL)).toEqual([
        `strategy "first-update" needs each clinic's update, which privacy "${privacy}" hides from the coordinator (only their sum is known)`,
      ]);
    }
    for (const privacy of ['none', 'dp']) {
      expect(parseStudyConfig({ dataset: DATASET, privacy, strategy: { name: 'first-update' } }, WITH_INDIVIDUAL).strategy).toEqual({ name: 'first-update' });
    }
    expect(PRIVACY_MODES).toHaveLength(6);
    // Strategies that need only the mean run in every mode.
    for (const privacy of PRIVACY_MODES)
      expect(parseStudyConfig({ dataset: DATASET, privacy, strategy: { name: 'fedadam' } }, WITH_INDIVIDUAL).privacy).toBe(privacy);
  });

  it('robust strategies run on plain studies; only a norm bound the study sets runs where updates are hidden', () => {
    for (const name of ['median', 'trimmed-mean', 'multi-krum', 'norm-bounded']) {
      expect(parseStudyConfig({ dataset: DATASET, privacy: 'dp', strategy: { name } }).strategy.name).toBe(name);
      expect(problems({ dataset: DATASET, privacy: 'secagg', quorum: 4, strategy: { name } })).toEqual([
        `strategy "${name}" needs each clinic's update, which privacy "secagg" hides from the coordinator (only their sum is known)`,
      ]);
    }
    const bounded = parseStudyConfig({ dataset: DATASET, privacy: 'he', strategy: { name: 'norm-bounded', maxNorm: 0.5 } });
    expect(bounded.strategy).toEqual({ name: 'norm-bounded', maxNorm: 0.5, medianMultiple: 1 });
  });
});

describe("a study's durations", () => {
  it('takes a round timeout up to 7 days and a secure-aggregation stage timeout up to 6 hours', () => {
    expect(parseStudyConfig({ dataset: DATASET, roundTimeoutS: 604_800 }).roundTimeoutS).toBe(604_800);
    expect(parseStudyConfig({ dataset: DATASET, roundTimeoutS: 0.5 }).roundTimeoutS).toBe(0.5);
    expect(parseStudyConfig({ dataset: DATASET, privacy: 'secagg', quorum: 3, secagg: { stageTimeoutS: 21_600 } }).secagg!.stageTimeoutS).toBe(21_600);
  });

  it('refuses a round timeout that would overflow the timer, or none at all, naming the field, its bounds and the value', () => {
    // 25 days: past setTimeout's 2^31 - 1 ms, where round 1 used to fail as soon as it opened.
    expect(problems({ dataset: DATASET, roundTimeoutS: 2_160_000 })).toEqual([
      'roundTimeoutS must be a number of seconds from 0.001 to 604800 (7 days), got 2160000',
    ]);
    expect(problems({ dataset: DATASET, roundTimeoutS: 604_801 })).toEqual([expect.stringContaining('got 604801')]);
    expect(problems({ dataset: DATASET, roundTimeoutS: 0 })).toEqual([expect.stringMatching(/^roundTimeoutS must be .* got 0$/)]);
    expect(problems({ dataset: DATASET, roundTimeoutS: '300' })).toEqual([expect.stringMatching(/^roundTimeoutS must be .* got "300"$/)]);
  });

  it('refuses an unbounded secure-aggregation stage timeout among the other problems', () => {
    expect(problems({ dataset: DATASET, privacy: 'secagg', quorum: 3, roundTimeoutS: 1e9, secagg: { stageTimeoutS: 1e9 } })).toEqual([
      'secagg.stageTimeoutS must be a number of seconds from 0.001 to 21600 (6 hours), got 1000000000',
      'roundTimeoutS must be a number of seconds from 0.001 to 604800 (7 days), got 1000000000',
    ]);
  });
});

describe("a study's quorum", () => {
  it('tolerates fewer than a third of the sites missing by default and then starts with every site; a set quorum starts the study', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10, 20].map(defaultQuorum)).toEqual([1, 2, 3, 3, 4, 5, 5, 7, 14]);
    expect(parseStudyConfig({ dataset: DATASET })).toMatchObject({ quorum: 3, minClinics: 4 });
    expect(parseStudyConfig({ dataset: DATASET, quorum: 2 })).toMatchObject({ quorum: 2, minClinics: 2 });
    expect(parseStudyConfig({ dataset: DATASET, quorum: 6 })).toMatchObject({ quorum: 6, minClinics: 6 });
    expect(parseStudyConfig({ dataset: DATASET, quorum: 2, minClinics: 2 })).toMatchObject({ quorum: 2, minClinics: 2 });
  });
});

describe('a survival study', () => {
  it("takes a linear Cox model and its dataset's own schedule by default", () => {
    const config = parseStudyConfig({ dataset: 'fed-tcga-brca' });
    expect(config.model).toEqual({ architecture: 'cox-linear', inputDim: 39, hiddenUnits: [], outputDim: 1 });
    expect(config.training).toEqual({ optimizer: 'sgd', learningRate: 0.1, batchSize: 8, localSteps: 100 });
    expect(config.rounds).toBe(5);
    expect(config.quorum).toBe(5);
    // What the study sets wins over the dataset's schedule.
    expect(parseStudyConfig({ dataset: 'fed-tcga-brca', rounds: 9, training: { batchSize: 16 } })).toMatchObject({
      rounds: 9,
      training: { batchSize: 16, learningRate: 0.1 },
    });
    // A classification dataset keeps the general defaults.
    expect(parseStudyConfig({ dataset: DATASET })).toMatchObject({ model: { architecture: 'logistic-regression' }, rounds: 15, training: { batchSize: 4 } });
  });

  it("takes the dataset's mean-only strategy and client rate where updates are hidden and none is named", () => {
    for (const privacy of ['he', 'secagg']) {
      const config = parseStudyConfig({ dataset: 'fed-tcga-brca', privacy });
      expect(config.strategy).toMatchObject({ name: 'fedyogi', serverLearningRate: 0.1 });
      expect(config.training.learningRate).toBe(0.01);
    }
    // Settings without a name adjust that default; a named strategy takes the dataset's general schedule.
    expect(parseStudyConfig({ dataset: 'fed-tcga-brca', privacy: 'secagg', strategy: { beta1: 0.5 } }).strategy).toMatchObject({
      name: 'fedyogi',
      serverLearningRate: 0.1,
      beta1: 0.5,
    });
    const named = parseStudyConfig({ dataset: 'fed-tcga-brca', privacy: 'secagg', strategy: { name: 'fedadam' } });
    expect(named.strategy).toMatchObject({ name: 'fedadam', serverLearningRate: 0.01 });
    expect(named.training.learningRate).toBe(0.1);
    expect(parseStudyConfig({ dataset: 'fed-tcga-brca' }).strategy.name).toBe('geometric-median');
  });

  it('refuses a model of the wrong kind for its task', () => {
    expect(problems({ dataset: 'fed-tcga-brca', model: { architecture: 'mlp', hiddenUnits: [8] } })).toEqual([
      'model.architecture "mlp" cannot fit a survival dataset (it takes cox-linear or cox-newton)',
    ]);
    expect(problems({ dataset: DATASET, model: { architecture: 'cox-linear' } })).toEqual([
      'model.architecture "cox-linear" is for survival datasets; this one is a binary task',
    ]);
    expect(problems({ dataset: 'fed-tcga-brca', privacy: 'secagg' })).toEqual([]);
  });

  it('takes differential privacy for a cox-linear model, with the privacy target and the defaults of its transport', () => {
    expect(parseStudyConfig({ dataset: 'fed-tcga-brca', privacy: 'dp', dp: { targetEpsilon: 2 } })).toMatchObject({
      privacy: 'dp',
      dp: { targetEpsilon: 2, delta: 1e-5, clipNorm: 1 },
      strategy: { name: 'geometric-median' },
      training: { learningRate: 0.1, batchSize: 8 },
    });
    for (const privacy of ['he+dp', 'secagg+dp']) {
      const config = parseStudyConfig({ dataset: 'fed-tcga-brca', privacy });
      expect(config).toMatchObject({ privacy, dp: { targetEpsilon: 1 }, strategy: { name: 'fedyogi' }, training: { learningRate: 0.01 } });
    }
  });

  it('refuses differential privacy for a Newton-Raphson fit, saying what the noise would do to the estimate', () => {
    for (const privacy of ['dp', 'secagg+dp']) {
      const found = problems({ dataset: 'pbc3', privacy });
      expect(found[0]).toContain(`privacy "${privacy}" is not available for a cox-newton model: noise on each round's score and information sums would shift`);
      expect(found[0]).toContain('standard errors and intervals too narrow');
    }
    expect(problems({ dataset: 'pbc3', privacy: 'he+dp' })).toContain(
      `privacy "he+dp" is not available for a cox-newton model: noise on each round's score and information sums would shift the Newton-Raphson estimate by the inverse information times the noise, leave its standard errors and intervals too narrow, and can make the information matrix indefinite so the fit diverges; one patient's share of those sums is not bounded without bounding the covariates and the coefficients. Train a cox-linear model with privacy "he+dp" (DP-SGD), or fit cox-newton under "secagg"`,
    );
  });
});

describe("a cox-newton model's time grid", () => {
  it("defaults to the dataset's (pbc3: a month's step to 6 years), and takes a step and end or the times", () => {
    const grid = parseStudyConfig({ dataset: 'pbc3' }).model.timeGrid!;
    expect(grid).toHaveLength(72);
    expect(grid[0]).toBe(365.25 / 12);
    expect(grid.at(-1)).toBe(6 * 365.25);
    expect(parseStudyConfig({ dataset: 'pbc3', model: { timeGrid: { step: 365.25, end: 2000 } } }).model.timeGrid).toEqual([
      365.25, 730.5, 1095.75, 1461, 1826.25,
    ]);
    expect(parseStudyConfig({ dataset: 'pbc3', model: { timeGrid: { times: [100, 365, 1000] } } }).model.timeGrid).toEqual([100, 365, 1000]);
    // Another architecture has none by default.
    expect(parseStudyConfig({ dataset: 'fed-tcga-brca' }).model.timeGrid).toBeUndefined();
  });

  it('names what is wrong with a grid', () => {
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { times: [1, 2], step: 1, end: 2 } } })).toEqual([
      'model.timeGrid takes either times or step and end, not both',
    ]);
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { step: 30 } } })).toEqual(['model.timeGrid needs times, or step and end']);
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { step: 1, end: 5000 } } })).toEqual(['model.timeGrid: step 1 to 5000 makes more than 1000 times']);
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { step: 30, end: 10 } } })).toEqual(['model.timeGrid: end 10 comes before the first step 30']);
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { times: [30, 20] } } })).toEqual([
      'model.timeGrid: time grid value 2 (20) does not follow 30: times must increase (as float32)',
    ]);
    expect(problems({ dataset: 'pbc3', model: { timeGrid: { times: 'monthly' } } })).toEqual(['model.timeGrid.times must be a list of numbers, got "monthly"']);
    expect(problems({ dataset: 'fed-tcga-brca', model: { timeGrid: { times: [30] } } })).toEqual([
      "model.timeGrid: a time grid is for a cox-newton model's baseline hazard, not cox-linear",
    ]);
  });
});

describe("a study on the consortium's own data", () => {
  const schema = {
    task: 'binary',
    features: [
      { name: 'age', type: 'number', range: [18, 110] },
      { name: 'creatinine', type: 'number', missing: 'impute-mean' },
      { name: 'stage', type: 'category', levels: ['I', 'II', 'III'] },
    ],
    target: { column: 'died' },
  };

  it('registers its clinics under the name and the schema fingerprint, and combines statistics in an extra first round', () => {
    const config = parseStudyConfig({ dataset: 'liver', schema, minClinics: 3, rounds: 10 });
    expect(config.dataset).toMatch(/^liver@[0-9a-f]{12}$/);
    expect(config.preprocessing).toBe('federated');
    expect(config.model).toEqual({ architecture: 'logistic-regression', inputDim: 4, hiddenUnits: [], outputDim: 1, statistics: 13 });
    expect(config.rounds).toBe(11);
    expect(config.quorum).toBe(defaultQuorum(3));
    // Any change to the schema is another dataset; the same schema written differently is the same.
    const reordered = { target: schema.target, features: schema.features, task: 'binary' };
    expect(parseStudyConfig({ dataset: 'liver', schema: reordered, minClinics: 3 }).dataset).toBe(config.dataset);
    const other = { ...schema, features: schema.features.slice(0, 2) };
    expect(parseStudyConfig({ dataset: 'liver', schema: other, minClinics: 3 }).dataset).not.toBe(config.dataset);
    // Site preprocessing: no block, no extra round.
    const site = parseStudyConfig({ dataset: 'liver', schema, minClinics: 3, rounds: 10, preprocessing: 'site', privacy: 'dp' });
    expect([site.model.statistics, site.rounds]).toEqual([undefined, 10]);
  });

  it('gives a multiclass schema a softmax over its target levels, with or without DP-SGD, and no Cox model', () => {
    const multiclass = { ...schema, task: 'multiclass', target: { column: 'grade', levels: ['low', 'mid', 'high', 'severe'] } };
    const config = parseStudyConfig({ dataset: 'liver', schema: multiclass, minClinics: 3, preprocessing: 'site', privacy: 'dp' });
    expect(config.model).toEqual({ architecture: 'logistic-regression', inputDim: 4, hiddenUnits: [], outputDim: 4 });
    const mlp = parseStudyConfig({ dataset: 'liver', schema: multiclass, minClinics: 3, model: { architecture: 'mlp', hiddenUnits: [8] } });
    expect([mlp.model.outputDim, mlp.model.hiddenUnits]).toEqual([4, [8]]);
    expect(problems({ dataset: 'liver', schema: multiclass, minClinics: 3, model: { architecture: 'cox-linear' } })).toEqual([
      'model.architecture "cox-linear" is for survival datasets; this one is a multiclass task',
    ]);
  });

  it('gives a regression schema a linear model and nothing else, and no subgroup metrics', () => {
    const regression = { ...schema, task: 'regression', target: { column: 'bilirubin' } };
    const config = parseStudyConfig({ dataset: 'liver', schema: regression, minClinics: 3, preprocessing: 'site', privacy: 'dp' });
    expect(config.model).toEqual({ architecture: 'linear-regression', inputDim: 4, hiddenUnits: [], outputDim: 1 });
    expect(problems({ dataset: 'liver', schema: regression, minClinics: 3, model: { architecture: 'mlp', hiddenUnits: [8] } })).toEqual([
      'model.architecture "mlp" cannot fit a regression dataset (it takes linear-regression; a regression mlp is not available yet)',
    ]);
    expect(problems({ dataset: 'liver', schema, minClinics: 3, model: { architecture: 'linear-regression' } })).toEqual([
      'model.architecture "linear-regression" is for regression datasets; this one is a binary task',
    ]);
    expect(problems({ dataset: 'liver', schema: { ...regression, subgroups: [{ name: 'sex', levels: ['f', 'm'] }] }, minClinics: 3 })).toEqual([
      'schema.subgroups: subgroup metrics are counts of right answers or concordant pairs, so a regression study cannot report them yet',
    ]);
  });

  it('names every problem: the schema, the dataset name, the clinics to wait for, what preprocessing allows', () => {
    expect(problems({ dataset: 'fed-heart-disease', schema, minClinics: 3 })).toEqual([
      'dataset "fed-heart-disease" is built in and has its own schema; a study with a schema names its own dataset',
    ]);
    expect(problems({ dataset: 'liver', schema })).toEqual(['minClinics is required for a study with its own schema: how many clinics round 1 waits for']);
    expect(problems({ dataset: 'Liver Study', schema, minClinics: 3 })[0]).toMatch(/a dataset name is 1-40 lower-case letters/);
    expect(problems({ dataset: DATASET, preprocessing: 'site' })).toEqual([
      'preprocessing applies to a study with its own schema; a built-in dataset preprocesses as its benchmark protocol does',
    ]);
    expect(problems({ dataset: 'liver', schema: { ...schema, feature: [] }, minClinics: 3 })).toEqual([
      'schema.feature: unknown key (known: task, features, target, treatment, subgroups, minSubgroupSize), did you mean features?',
    ]);
    expect(problems({ dataset: 'liver', schema, minClinics: 3, privacy: 'dp' })[0]).toMatch(/privacy "dp" adds noise to training, not to the statistics round/);
    expect(problems({ dataset: 'liver', schema, minClinics: 3, privacy: 'secagg' })).toEqual([
      'federated preprocessing under privacy "secagg" scales each number feature by its range to fit secure aggregation\'s fixed point: give a range to creatinine',
    ]);
    expect(problems({ dataset: 'liver', schema, minClinics: 3, preprocessing: 'global' })).toEqual([
      'preprocessing "global" is unknown (known: federated, site)',
    ]);
  });
});
