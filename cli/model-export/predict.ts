import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { encodedColumns, parseCsv, parseMapping, parseStudySchema, preprocessRows, readTable, type FeatureStatistics } from '../../common/schema/index.js';
import { absoluteRisk, risksByArm, type RiskModel } from '../../survival/index.js';
import { riskModelFromJson, type TreatmentJson } from './cox-baseline.js';

/** One patient's prediction: the row's id (or line), and what the model gives for it. */
export interface Prediction {
  id: string;
  line: number;
  /** Regression models: the predicted value of the target. */
  value?: number;
  /** Binary networks: the probability of the positive class. */
  probability?: number;
  /** Multiclass networks: each class's probability, by the class's name, and the most probable class. */
  probabilities?: Record<string, number>;
  predictedClass?: string;
  /** Cox models: the log relative hazard x·β, and exp of it (the hazard relative to a patient with every feature 0). */
  linearPredictor?: number;
  relativeHazard?: number;
  /** Cox models with a baseline hazard: the risk of the event by the horizon, with its 95% interval. */
  risk?: Interval;
  /** And with a treatment column: the risk under each arm (the row's own treatment value set aside), and treated - control. */
  arms?: { control: ArmRisk; treated: ArmRisk; difference: Interval };
}

/** An estimate with its 95% interval. */
export interface Interval {
  value: number;
  low: number;
  high: number;
}

export interface ArmRisk extends Interval {
  /** The arm's name, e.g. placebo. */
  arm: string;
}

export interface Predictions {
  model: {
    study: string;
    version: number;
    architecture: string;
    dataset: string;
    intendedUse: string;
    /** Absolute risks: by this time since the start of follow-up, in `timeUnit`. */
    horizon?: number;
    timeUnit?: string | null;
  };
  predictions: Prediction[];
}

/** Every problem of a data file, with its line and column; nothing is predicted while any remains. */
export class PredictionInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot predict: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the data\n  ${problems.join('\n  ')}`);
    this.name = 'PredictionInputError';
  }
}

interface Card {
  intendedUse: string;
  study: { id: string; dataset: string };
  model: { architecture: string; version: number };
  features: string[];
  /** A multiclass model's classes, in the order of its outputs. */
  classes?: string[];
  /** Studies on a consortium's own data: the study schema, and the consortium's statistics where preprocessing was federated. */
  schema?: unknown;
  normalisation?: FeatureStatistics;
}

/** How to predict: the export's own horizon unless told, and a clinic's mapping to read its own CSV export through. */
export interface PredictOptions {
  horizon?: number;
  /** A mapping file onto the card's study schema (a clinic's training mapping serves): the CSV is read, imputed and normalised as in training. */
  mapping?: string;
}

/**
 * Applies an exported model (cohort model export) to a CSV file whose header names every feature
 * of the model card, in any order, each value a number prepared as the card's `preprocessing` says.
 * `idColumn` names the column that identifies a row in the output (default: its line).
 */
export async function predictFile(modelDir: string, dataFile: string, idColumn?: string, options: PredictOptions = {}): Promise<Predictions> {
  const card = JSON.parse(readFileSync(join(modelDir, 'model-card.json'), 'utf8')) as Card;
  const rows = options.mapping
    ? mappedRows(card, dataFile, options.mapping, idColumn)
    : featureRows(readFileSync(dataFile, 'utf8'), basename(dataFile), card.features, idColumn);
  const model = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const header = {
    study: card.study.id,
    version: card.model.version,
    architecture: card.model.architecture,
    dataset: card.study.dataset,
    intendedUse: card.intendedUse,
  };
  if (model['format'] === 'cohort-cox/1') return coxPredictions(model, join(modelDir, 'model.json'), header, rows, options.horizon);
  if (model['format'] !== 'layers-model')
    throw new Error(`${join(modelDir, 'model.json')} is not a model cohort predict applies (format ${String(model['format'])})`);
  const manifest = (model['weightsManifest'] as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[])[0]!;
  const weights = readFileSync(join(modelDir, manifest.paths[0]!));
  const network = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: model['modelTopology'] as object, weightSpecs: manifest.weights, weightData: Uint8Array.from(weights).buffer }),
  );
  const output = tf.tidy(() => network.predict(tf.tensor2d(rows.map((r) => r.x))) as tf.Tensor2D);
  const [, width] = output.shape;
  const probabilities = output.dataSync();
  output.dispose();
  network.dispose();
  if (card.model.architecture === 'linear-regression')
    return { model: header, predictions: rows.map(({ id, line }, i) => ({ id, line, value: probabilities[i]! })) };
  if (width === 1) return { model: header, predictions: rows.map(({ id, line }, i) => ({ id, line, probability: probabilities[i]! })) };
  const classes = card.classes ?? Array.from({ length: width }, (_, k) => String(k));
  if (classes.length !== width) throw new Error(`the model has ${width} outputs but its card names ${classes.length} classes`);
  return {
    model: header,
    predictions: rows.map(({ id, line }, i) => ({ id, line, ...classProbabilities(classes, probabilities.subarray(i * width, (i + 1) * width)) })),
  };
}

/** One row's softmax output by class name, and its most probable class (the first of equals). */
function classProbabilities(classes: readonly string[], row: Float32Array | Int32Array | Uint8Array): Pick<Prediction, 'probabilities' | 'predictedClass'> {
  let best = 0;
  row.forEach((p, k) => {
    if (p > row[best]!) best = k;
  });
  return { probabilities: Object.fromEntries(classes.map((c, k) => [c, row[k]!])), predictedClass: classes[best]! };
}

/**
 * A Cox model's predictions: the linear predictor and relative hazard, and where the export carries
 * a baseline hazard the absolute risk by the horizon (default the export's), under each arm too
 * where it names a treatment column. A horizon past the baseline's last time is refused.
 */
function coxPredictions(
  model: Record<string, unknown>,
  where: string,
  header: Predictions['model'],
  rows: { id: string; line: number; x: number[] }[],
  horizon: number | undefined,
): Predictions {
  const beta = model['coefficients'] as number[];
  const linear = rows.map(({ id, line, x }) => {
    const linearPredictor = x.reduce((sum, v, j) => sum + v * beta[j]!, 0);
    return { id, line, linearPredictor, relativeHazard: Math.exp(linearPredictor) };
  });
  if (model['baselineHazard'] === undefined) {
    if (horizon !== undefined) throw new Error(`${where} has no baseline hazard: it gives relative hazards only, not risks at a horizon`);
    return { model: header, predictions: linear };
  }
  const { model: riskModel, defaultHorizon, timeUnit } = riskModelFromJson(model['baselineHazard'], beta.length, where);
  const at = horizon ?? defaultHorizon;
  const last = riskModel.baseline.time[riskModel.baseline.time.length - 1]!;
  if (at > last)
    throw new Error(`horizon ${at} is beyond the model's time grid, which ends at ${last}${timeUnit ? ` ${timeUnit}` : ''}: it knows nothing later`);
  const treatment = model['treatment'] as TreatmentJson | undefined;
  return {
    model: { ...header, horizon: at, timeUnit },
    predictions: linear.map((p, i) => ({ ...p, ...patientRisks(riskModel, rows[i]!.x, at, treatment) })),
  };
}

function patientRisks(model: RiskModel, x: number[], horizon: number, treatment: TreatmentJson | undefined): Pick<Prediction, 'risk' | 'arms'> {
  const own = absoluteRisk(model, x, horizon);
  const risk = { value: own.risk, low: own.low, high: own.high };
  if (!treatment) return { risk };
  const arms = risksByArm(model, x, treatment.index, horizon, [treatment.control.code, treatment.treated.code]);
  return {
    risk,
    arms: {
      control: { arm: treatment.control.name, value: arms.control.risk, low: arms.control.low, high: arms.control.high },
      treated: { arm: treatment.treated.name, value: arms.treated.risk, low: arms.treated.low, high: arms.treated.high },
      difference: { value: arms.difference.value, low: arms.difference.low, high: arms.difference.high },
    },
  };
}

/**
 * A clinic's own CSV read through its mapping onto the card's study schema, as in training: every
 * bad cell named, then missing values imputed and numbers normalised with the consortium's
 * statistics from the card. A model trained on each site's own statistics is refused: they never
 * left the sites, so the export cannot reproduce them.
 */
function mappedRows(card: Card, dataFile: string, mappingFile: string, idColumn: string | undefined): { id: string; line: number; x: number[] }[] {
  if (card.schema === undefined) throw new Error(`the model card names no study schema: --mapping applies to models of studies on a consortium's own data`);
  if (card.normalisation === undefined) {
    throw new Error(
      "this model was trained with each site's own normalisation (preprocessing site), which never left the sites: its features cannot be prepared from a mapping here",
    );
  }
  const schema = parseStudySchema(card.schema);
  const mapping = parseMapping(JSON.parse(readFileSync(mappingFile, 'utf8')), schema, 'prediction');
  const text = readFileSync(dataFile, 'utf8');
  const file = basename(dataFile);
  const table = readTable(text, file, schema, mapping, { purpose: 'prediction' });
  if (!table.ok) throw new PredictionInputError(table.problems.map((p) => p.message));
  if (table.rows.length === 0) throw new PredictionInputError([`${file}: no rows after the header`]);
  const ids = idColumn === undefined ? null : idsByLine(text, file, mapping.delimiter, idColumn);
  const x = preprocessRows(
    encodedColumns(schema),
    card.normalisation,
    table.rows.map((r) => r.x),
  );
  const width = card.features.length;
  return table.rows.map((row, i) => ({
    id: ids ? (ids.get(row.line) ?? '') : String(row.line),
    line: row.line,
    x: Array.from(x.subarray(i * width, (i + 1) * width)),
  }));
}

function idsByLine(text: string, file: string, delimiter: string, idColumn: string): Map<number, string> {
  const [header, ...records] = parseCsv(text, delimiter);
  const at = header?.cells.indexOf(idColumn) ?? -1;
  if (at < 0) throw new PredictionInputError([`${file} line ${header?.line ?? 1}: no id column "${idColumn}"`]);
  return new Map(records.map((r) => [r.line, r.cells[at] ?? '']));
}

/** The rows' features in the card's order, or every problem at once. */
function featureRows(text: string, file: string, features: string[], idColumn: string | undefined): { id: string; line: number; x: number[] }[] {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new PredictionInputError([`${file}: empty, no header`]);
  const at = features.map((name) => header.cells.indexOf(name));
  const missing = features.filter((_, j) => at[j]! < 0);
  const idAt = idColumn === undefined ? -1 : header.cells.indexOf(idColumn);
  const problems =
    missing.length > 0 ? [`${file} line ${header.line}: no column for ${missing.map((m) => `"${m}"`).join(', ')} (the model card's features)`] : [];
  if (idColumn !== undefined && idAt < 0) problems.push(`${file} line ${header.line}: no id column "${idColumn}"`);
  if (problems.length > 0) throw new PredictionInputError(problems);
  const rows = records.map(({ line, cells }) => {
    const x = features.map((name, j) => {
      const cell = cells[at[j]!] ?? '';
      const value = Number(cell);
      if (cell === '' || !Number.isFinite(value)) problems.push(`${file} line ${line}, column "${name}": "${cell}" is not a number`);
      return value;
    });
    return { id: idAt >= 0 ? (cells[idAt] ?? '') : String(line), line, x };
  });
  if (problems.length > 0) throw new PredictionInputError(problems);
  if (rows.length === 0) throw new PredictionInputError([`${file}: no rows after the header`]);
  return rows;
}
