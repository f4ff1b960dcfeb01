import { studyDataset, type Task } from '../../common/datasets.js';
import type { FeatureStatistics } from '../../common/schema/index.js';
import type { ModelSpec } from '../../common/model-spec.js';
import type { StudyView } from '../../coordinator/studies/studies.service.js';
import { coefficientTable, readNewtonModel, standardErrorsOf, type CoefficientRow } from '../../survival/index.js';
import { coxBaselineJson } from './cox-baseline.js';

/** What every export says of its use: decision support for research, never a clinical decision. */
export const INTENDED_USE =
  'Decision support for research: this model summarises what the consortium’s data show about groups of patients. It does not replace a clinician’s judgement and must not decide the care of any patient.';

/** A model version as GET /studies/:id/models/:version gives it (a plaintext one). */
export interface ModelVersionView {
  studyId: string;
  version: number;
  model: ModelSpec;
  parameters?: number[];
  encrypted?: boolean;
  createdAt: string;
}

/**
 * The model card written beside every export: which study, data and training produced the model,
 * its inputs in order and how they were prepared, how well it did at each site, and what it is for.
 */
/** What a card says beyond the study and the version: the consortium's statistics, and the clinics' privacy spent. */
export interface CardExtras {
  normalisation?: FeatureStatistics | null;
  /** Differentially private studies: each training clinic's ledger total at export time (every study on its data). */
  privacySpent?: ClinicPrivacySpent[] | null;
}

/** One clinic's privacy ledger as the coordinator's verified copy states it (GET /audit/clinics). */
export interface ClinicPrivacySpent {
  clinicId: string;
  epsilon: number;
  delta: number | null;
  capEpsilon: number | null;
  verified: boolean;
}

export function modelCard(study: StudyView, version: ModelVersionView, files: string[], extras: CardExtras = {}): Record<string, unknown> {
  const { normalisation, privacySpent } = extras;
  const descriptor = studyDataset(study);
  const round = study.roundHistory.find((r) => r.number === version.version);
  const trainedOn = study.roundHistory.filter((r) => r.number <= version.version && r.status === 'closed');
  const lastUpdates = trainedOn.at(-1)?.updates ?? [];
  return {
    format: 'cohort-model-card/1',
    intendedUse: INTENDED_USE,
    study: {
      id: study.id,
      name: study.name,
      dataset: study.dataset,
      task: descriptor.task,
      status: study.status,
      createdAt: study.createdAt,
      finishedAt: study.finishedAt,
    },
    model: { ...version.model, version: version.version, createdAt: version.createdAt, files },
    features: descriptor.features,
    // A multiclass model's outputs, in order: what each softmax probability is the probability of.
    ...(descriptor.classes && { classes: descriptor.classes }),
    preprocessing: descriptor.preprocessing,
    ...(study.schema && { schema: study.schema }),
    // The consortium's statistics a patient's record is imputed and normalised with before the model sees it.
    ...(normalisation && { normalisation }),
    output: outputOf(version.model),
    training: {
      strategy: study.strategy,
      rounds: trainedOn.length,
      settings: study.training,
      privacy: study.privacy,
      ...(study.dp && { dp: study.dp, privacySpent: privacySpentOf(privacySpent, lastUpdates) }),
      sites: lastUpdates.map((u) => ({ clinic: u.clinic, trainingRecords: u.numSamples })),
    },
    metrics: (round?.metrics ?? []).map((m) => ({ clinic: m.clinic, site: m.site, testRecords: m.numTest, ...siteMetric(descriptor.task, m) })),
    ...(round && { pooled: pooledMetric(descriptor.task, round) }),
    ...(round && round.subgroups.length > 0 && { subgroups: round.subgroups, largestSubgroupGap: round.largestSubgroupGap }),
  };
}

function siteMetric(task: Task, m: StudyView['roundHistory'][number]['metrics'][number]): Record<string, number | null> {
  if (task === 'survival') return { cIndex: m.cIndex };
  return task === 'regression' ? { rmse: m.rmse } : { accuracy: m.accuracy };
}

function pooledMetric(task: Task, round: StudyView['roundHistory'][number]): Record<string, number | null> {
  if (task === 'survival') return { cIndex: round.pooledCIndex };
  return task === 'regression' ? { rmse: round.pooledRmse } : { accuracy: round.pooledAccuracy };
}

function outputOf(spec: ModelSpec): string {
  switch (spec.architecture) {
    case 'linear-regression':
      return 'the predicted value of the target (linear output), in its own unit; the study scores it by the root mean squared error';
    case 'cox-linear':
      return 'the log relative hazard x·β: exp of a difference between two patients is their hazard ratio';
    case 'cox-newton':
      return spec.timeGrid
        ? 'the log relative hazard x·β, and with the baseline hazard each patient’s absolute risk of the event by a horizon (under each arm where the model has a treatment column), with 95% intervals'
        : 'the log relative hazard x·β: exp of a difference between two patients is their hazard ratio';
    default:
      return spec.outputDim > 1
        ? 'the probability of each class, in the order of classes (softmax output); the study scores the most probable one'
        : 'the probability of the positive class (sigmoid output); the study scores it at 0.5';
  }
}

/**
 * A Cox model as documented JSON (docs/survival.md#the-exported-cox-model): coefficients by feature,
 * and for a Newton-Raphson fit their standard errors and hazard ratios, and with a time grid the
 * federated baseline hazard and the treatment column that absolute risks need.
 */
export function coxModelJson(study: StudyView, version: ModelVersionView): Record<string, unknown> {
  const descriptor = studyDataset(study);
  const { features } = descriptor;
  const parameters = Float32Array.from(version.parameters!);
  if (version.model.architecture === 'cox-newton') {
    const model = readNewtonModel(parameters);
    const standardErrors = standardErrorsOf(model);
    const rows: CoefficientRow[] | null = standardErrors && coefficientTable(features, { coefficients: model.coefficients, standardErrors });
    return {
      format: 'cohort-cox/1',
      model: 'cox-newton',
      stratifiedBy: 'clinic (each its own baseline hazard)',
      features,
      coefficients: Array.from(model.coefficients),
      ...(rows && { table: rows }),
      ...(model.statistics && { logLikelihood: model.statistics.logLikelihood, events: model.statistics.events, records: model.totalWeight }),
      ...coxBaselineJson(parameters, descriptor),
    };
  }
  if (version.model.architecture !== 'cox-linear') throw new Error(`a ${version.model.architecture} model is not a Cox model`);
  return {
    format: 'cohort-cox/1',
    model: 'cox-linear',
    features,
    coefficients: Array.from(parameters.subarray(0, features.length)),
    // Linear(p, 1)'s bias: it cancels in every hazard ratio and is kept only to restore the layer.
    bias: parameters[features.length],
  };
}

/** The training clinics' epsilon from their ledgers, or where to read it when the exporter could not. */
function privacySpentOf(spent: ClinicPrivacySpent[] | null | undefined, updates: readonly { clinic: string }[]): unknown {
  if (!spent) return 'each clinic’s epsilon is in its signed ledger: cohort audit report';
  const training = new Set(updates.map((u) => u.clinic));
  return {
    note: "each clinic's total over every study trained on its data, from its signed ledger at export time (cohort audit verify rechecks it)",
    clinics: spent
      .filter((s) => training.has(s.clinicId))
      .map(({ clinicId, epsilon, delta, capEpsilon, verified }) => ({ clinic: clinicId, epsilon, delta, capEpsilon, verified })),
  };
}
