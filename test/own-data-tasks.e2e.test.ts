import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelCommand } from '../cli/commands/model.js';
import { predictFile } from '../cli/model-export/predict.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { DenseModel } from '../clinic-node/training/dense-model.js';
import { ownParameterCount, withoutStatistics } from '../common/model-spec.js';
import { encodedColumns, preprocessRows, readStatistics } from '../common/schema/index.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { runVariant, SCHEMA } from './support/own-data.js';

// The own-data path for the other tasks a schema declares, on three PBC3 hospitals' CSV files
// (test/support/own-data.ts): binary, multiclass and regression studies over gRPC, each exported
// and applied by cohort predict through the clinic's mapping.
const OPERATOR = 'operator-token-for-own-data-tasks';
const HOSPITALS = ['london', 'copenhagen', 'barcelona'];
/** A survival mapping without the follow-up time, and `status` read through `codes`. */
const classification = (codes: Record<string, string>) => (survival: { columns: Record<string, string>; codes: Record<string, Record<string, string>> }) => {
  const { days: _days, ...columns } = survival.columns;
  return { ...survival, columns, codes: { ...survival.codes, status: codes } };
};

describe("studies of every task on the consortium's own CSV files", () => {
  let coordinator: RunningCoordinator;
  let dir: string;

  beforeAll(async () => {
    await selectBackend();
    dir = mkdtempSync(join(tmpdir(), 'cohort-own-tasks-'));
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: join(dir, 'coordinator.sqlite'),
      logLevels: false,
      insecure: true,
      operatorToken: OPERATOR,
    });
  });

  afterAll(async () => {
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const view = async (studyId: string) =>
    (await (await fetch(`${coordinator.httpUrl}/studies/${studyId}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as never;

  /** Exports the study's latest model into DIR/NAME, quietly. */
  async function exportModel(studyId: string, name: string): Promise<string> {
    const out = join(dir, name);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await modelCommand.run(['export', '--coordinator-url', coordinator.httpUrl, '--study-id', studyId, '--out', out, '--token', OPERATOR])).toBe(0);
    } finally {
      log.mockRestore();
    }
    return out;
  }

  it('trains a classifier: whether a patient had the event, with calibration per subgroup', async () => {
    const schema = { ...SCHEMA, task: 'binary', target: { column: 'status', levels: ['censored', 'event'] } };
    const { studyId, summaries } = await runVariant(coordinator, dir, HOSPITALS, {
      name: 'pbc3-binary',
      schema,
      mapping: classification({ '0': 'censored', '1': 'event', '2': 'event' }),
      testFraction: 0,
      study: { rounds: 3, training: { localSteps: 20 } },
    });
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const study = (await view(studyId)) as {
      roundHistory: { metrics: { accuracy: number }[]; pooledAccuracy: number; subgroups: { level: string; accuracy: number; calibration: number }[] }[];
    };
    const last = study.roundHistory.at(-1)!;
    expect(last.metrics).toHaveLength(3);
    expect(last.pooledAccuracy).toBeGreaterThan(0.5);
    const common = last.subgroups.find((s) => s.level === '0')!;
    expect(common.accuracy).toBeGreaterThan(0);
    expect(common.calibration).toBeGreaterThan(0);
  });

  it('trains a multiclass model: censored, transplant or death, a softmax the export and predict reproduce', async () => {
    const classes = ['censored', 'transplant', 'death'];
    const schema = { ...SCHEMA, task: 'multiclass', target: { column: 'status', levels: classes } };
    // A quarter of each hospital's records held out: accuracy on patients the model never saw.
    const { config, studyId, sources, tables, summaries } = await runVariant(coordinator, dir, HOSPITALS, {
      name: 'pbc3-multiclass',
      schema,
      mapping: classification({ '0': 'censored', '1': 'transplant', '2': 'death' }),
      testFraction: 0.25,
      study: { rounds: 4, training: { localSteps: 20 } },
    });
    expect(config.model.outputDim).toBe(3);
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const study = (await view(studyId)) as {
      roundHistory: { metrics: { accuracy: number; numTest: number; loss: number }[]; pooledAccuracy: number; subgroups: { calibration: number | null }[] }[];
    };
    const last = study.roundHistory.at(-1)!;
    const sorted = (ns: number[]) => [...ns].sort((a, b) => a - b);
    expect(sorted(last.metrics.map((m) => m.numTest))).toEqual(sorted(tables.map((t) => t.test.length)));
    // Three classes: chance is a third; most of these patients were censored, which the model must at least learn.
    const censored = tables.flatMap((t) => t.test).filter((r) => r.target === 0).length / last.metrics.reduce((n, m) => n + m.numTest, 0);
    expect(last.pooledAccuracy).toBeGreaterThan(0.6);
    // And its probabilities beat a uniform guess's cross-entropy, ln 3, at every site.
    last.metrics.forEach((m) => expect(m.loss).toBeLessThan(Math.log(3)));
    expect(last.pooledAccuracy).toBeGreaterThanOrEqual(censored - 0.05);
    // Calibration is a binary model's; a multiclass subgroup shows accuracy only.
    expect(last.subgroups.length).toBeGreaterThan(0);
    last.subgroups.forEach((s) => expect(s.calibration).toBeNull());

    // Exported as a TensorFlow.js softmax network; predict gives each class's probability, as the model's own logits do.
    const out = await exportModel(studyId, 'multiclass-export');
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));
    expect([card.study.task, card.classes]).toEqual(['multiclass', classes]);
    const parameters = summaries[0]!.lastModel!.parameters;
    const ownLength = ownParameterCount(config.model);
    const stats = readStatistics(encodedColumns(tables[0]!.schema), parameters.subarray(ownLength))!;
    const london = sources[0]!;
    const predicted = await predictFile(out, london.dataFile, 'ptno', { mapping: london.mappingFile });
    const rows = [...tables[0]!.train, ...tables[0]!.test];
    expect(predicted.predictions).toHaveLength(rows.length);
    const byLine = new Map(rows.map((row) => [row.line, row]));
    const model = new DenseModel(withoutStatistics(config.model), parameters.slice(0, ownLength));
    try {
      for (const p of predicted.predictions) {
        const x = preprocessRows(encodedColumns(tables[0]!.schema), stats, [byLine.get(p.line)!.x]);
        const expected = tf.tidy(() => tf.softmax(model.logits(tf.tensor2d(x, [1, x.length]))).dataSync());
        classes.forEach((c, k) => expect(p.probabilities![c]).toBeCloseTo(expected[k]!, 5));
        expect(p.predictedClass).toBe(classes[expected.indexOf(Math.max(...expected))]);
      }
    } finally {
      model.dispose();
    }
  });

  it('trains a linear regression: the age at entry, scored by RMSE, that predict reproduces', async () => {
    // Age from albumin, bilirubin and the arm: a number target, no subgroups (their reports carry counts only).
    const schema = { task: 'regression', features: SCHEMA.features.slice(1), target: { column: 'age' }, treatment: SCHEMA.treatment };
    const { config, studyId, sources, tables, summaries } = await runVariant(coordinator, dir, HOSPITALS, {
      name: 'pbc3-regression',
      schema,
      mapping: (survival) => {
        const { days: _d, status: _s, sex: _x, ...columns } = survival.columns;
        return { ...survival, columns };
      },
      testFraction: 0.25,
      study: { rounds: 6, strategy: { name: 'fedavg' }, training: { batchSize: 32, localSteps: 200 } },
    });
    expect(config.model.architecture).toBe('linear-regression');
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const study = (await view(studyId)) as {
      roundHistory: { metrics: { numTest: number; loss: number; rmse: number }[]; pooledAccuracy: number | null; pooledRmse: number }[];
    };
    const last = study.roundHistory.at(-1)!;
    last.metrics.forEach((m) => expect(m.rmse).toBeCloseTo(Math.sqrt(m.loss), 9));
    const tested = last.metrics.reduce((n, m) => n + m.numTest, 0);
    expect(last.pooledRmse).toBeCloseTo(Math.sqrt(last.metrics.reduce((sum, m) => sum + m.loss * m.numTest, 0) / tested), 9);
    expect(last.pooledAccuracy).toBeNull();
    // FedAvg of local least squares approaches the pooled least-squares line: on the training patients
    // its RMSE is within 1% of that line's (ages near 50 that albumin and bilirubin barely explain).
    const parameters = summaries[0]!.lastModel!.parameters;
    const columns = encodedColumns(tables[0]!.schema);
    const stats = readStatistics(columns, parameters.subarray(ownParameterCount(config.model)))!;
    const predict = (x: ArrayLike<number>) => preprocessRows(columns, stats, [x]).reduce((sum, v, j) => sum + v * parameters[j]!, parameters[columns.length]!);
    const trainRows = tables.flatMap((t) => t.train);
    const design = trainRows.map((r) => [...preprocessRows(columns, stats, [r.x]), 1]);
    const line = leastSquares(
      design,
      trainRows.map((r) => r.target as number),
    );
    const rmse = (residuals: number[]) => Math.sqrt(residuals.reduce((s, e) => s + e * e, 0) / residuals.length);
    const pooledLine = rmse(design.map((x, i) => x.reduce((sum, v, j) => sum + v * line[j]!, 0) - (trainRows[i]!.target as number)));
    expect(rmse(trainRows.map((r) => predict(r.x) - (r.target as number)))).toBeLessThan(1.01 * pooledLine);
    // On the held-out patients: the scale of an age, not that of 0 (predicting 0 would score about 50).
    expect(last.pooledRmse).toBeLessThan(15);

    const out = await exportModel(studyId, 'regression-export');
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));
    expect([card.study.task, card.pooled.rmse]).toEqual(['regression', last.pooledRmse]);
    const predicted = await predictFile(out, sources[0]!.dataFile, 'ptno', { mapping: sources[0]!.mappingFile });
    const byLine = new Map([...tables[0]!.train, ...tables[0]!.test].map((row) => [row.line, row]));
    expect(predicted.predictions).toHaveLength(byLine.size);
    for (const p of predicted.predictions) {
      expect(p.value).toBeCloseTo(predict(byLine.get(p.line)!.x), 3);
    }
  });
});

/** The least-squares coefficients of y on the rows of `design`, by the normal equations (Gaussian elimination). */
function leastSquares(design: number[][], y: number[]): number[] {
  const p = design[0]!.length;
  const a = Array.from({ length: p }, (_, i) => [
    ...Array.from({ length: p }, (_, j) => design.reduce((s, row) => s + row[i]! * row[j]!, 0)),
    design.reduce((s, row, k) => s + row[i]! * y[k]!, 0),
  ]);
  for (let c = 0; c < p; c++) {
    const pivot = a.slice(c).reduce((best, row, k) => (Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? c + k : best), c);
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const factor = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= p; k++) a[r]![k]! -= factor * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[p]! / row[i]!);
}
