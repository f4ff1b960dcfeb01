import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelCommand } from '../cli/commands/model.js';
import { INTENDED_USE } from '../cli/model-export/model-card.js';
import { PredictionInputError, predictFile } from '../cli/model-export/predict.js';
import { loadSiteDataset } from '../clinic-node/data/index.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { DenseModel } from '../clinic-node/training/dense-model.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { DATA_DIR } from './support/data-dir.js';

const OPERATOR = 'operator-token-for-model-export';

describe('cohort model export', () => {
  let coordinator: RunningCoordinator;
  let workdir: string;
  const get = async (path: string) =>
    (await fetch(`${coordinator.httpUrl}${path}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json() as Promise<Record<string, unknown>>;
  const exportModel = (studyId: string, out: string, ...more: string[]) =>
    modelCommand.run(['export', '--coordinator-url', coordinator.httpUrl, '--study-id', studyId, '--out', out, '--token', OPERATOR, ...more]);

  beforeAll(async () => {
    // The command's one line of output per export, kept out of the test log.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await selectBackend();
    coordinator = await startCoordinator({ grpcPort: 0, httpPort: 0, database: ':memory:', logLevels: false, operatorToken: OPERATOR, insecure: true });
    workdir = mkdtempSync(join(tmpdir(), 'cohort-export-'));
  });

  afterAll(async () => {
    await coordinator.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it("writes a network tf.loadLayersModel loads, predicting what the coordinator's model predicts, with its card", async () => {
    const study = await coordinator.federation.createStudy(
      parseStudyConfig({ dataset: 'fed-heart-disease', model: { architecture: 'mlp', hiddenUnits: [8] }, seed: 7 }),
    );
    const out = join(workdir, 'mlp');
    expect(await exportModel(study.id, out)).toBe(0);

    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    const weights = readFileSync(join(out, modelJson.weightsManifest[0].paths[0]));
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: Uint8Array.from(weights).buffer,
      }),
    );
    const latest = await get(`/studies/${study.id}/models/latest`);
    expect(latest['version']).toBe(0);
    const reference = new DenseModel(study.model, Float32Array.from(latest['parameters'] as number[]));
    const { test } = await loadSiteDataset('fed-heart-disease', 'cleveland', { dataDir: DATA_DIR });
    const x = tf.tensor2d(test.x, [test.count, test.features]);
    const exported = (loaded.predict(x) as tf.Tensor).dataSync();
    const expected = tf.sigmoid(reference.logits(x)).dataSync();
    expect(exported).toHaveLength(test.count);
    exported.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-6));
    tf.dispose([x]);
    reference.dispose();

    // cohort predict on the same records, as a CSV with its columns in another order and an id column.
    const features = study.model.inputDim;
    const names = ['age', 'sex=male', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp=2', 'cp=3', 'cp=4', 'restecg=1', 'restecg=2'];
    const csv = [['patient', ...[...names].reverse()].join(',')];
    for (let i = 0; i < test.count; i++) {
      const row = names.map((_, j) => String(test.x[i * features + j]));
      csv.push([`p${i}`, ...row.reverse()].join(','));
    }
    writeFileSync(join(workdir, 'patients.csv'), `${csv.join('\n')}\n`);
    const predicted = await predictFile(out, join(workdir, 'patients.csv'), 'patient');
    expect(predicted.model).toEqual({ study: study.id, version: 0, architecture: 'mlp', dataset: 'fed-heart-disease', intendedUse: INTENDED_USE });
    predicted.predictions.forEach((p, i) => {
      expect(p.id).toBe(`p${i}`);
      expect(Math.abs(p.probability! - expected[i]!)).toBeLessThan(1e-6);
    });
    // A bad file: every problem named by line and column, nothing predicted.
    writeFileSync(join(workdir, 'bad.csv'), `${csv[0]}\n${csv[1]!.replace(/,[^,]*$/, ',x')}\np9,1\n`);
    const refused = await predictFile(out, join(workdir, 'bad.csv'), 'patient').catch((error: PredictionInputError) => error);
    expect(refused).toBeInstanceOf(PredictionInputError);
    // Line 2's age, and every feature line 3 lacks (all but restecg=2, its first column), in the card's order.
    expect((refused as PredictionInputError).problems).toEqual([
      'bad.csv line 2, column "age": "x" is not a number',
      ...names.slice(0, -1).map((name) => `bad.csv line 3, column "${name}": "" is not a number`),
    ]);
  });

  it('writes a Cox model as documented JSON, and refuses it as a network', async () => {
    const study = await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'pbc3' }));
    await expect(exportModel(study.id, join(workdir, 'cox-tfjs'), '--format', 'tfjs')).rejects.toThrow(
      'a cox-newton model exports as --format json (coefficients), not tfjs',
    );
    const out = join(workdir, 'cox');
    expect(await exportModel(study.id, out, '--version', '0')).toBe(0);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model).toEqual({
      format: 'cohort-cox/1',
      model: 'cox-newton',
      stratifiedBy: 'clinic (each its own baseline hazard)',
      features: ['tment', 'alb', 'log2bili'],
      coefficients: [0, 0, 0],
    });
    expect(JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'))).toMatchObject({
      study: { task: 'survival' },
      model: { architecture: 'cox-newton' },
    });
  });

  it('names what is missing: an unknown study, a version that does not exist', async () => {
    expect(await (await fetch(`${coordinator.httpUrl}/studies/nope/models/latest`, { headers: { authorization: `Bearer ${OPERATOR}` } })).status).toBe(404);
    const study = await coordinator.federation.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease' }));
    await expect(exportModel(study.id, join(workdir, 'missing'), '--version', '3')).rejects.toThrow(`study ${study.id} has no model version 3`);
  });
});
