import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelCommand } from '../cli/commands/model.js';
import { INTENDED_USE } from '../cli/model-export/model-card.js';
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

    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));
    expect(card).toMatchObject({
      format: 'cohort-model-card/1',
      intendedUse: INTENDED_USE,
      study: { id: study.id, dataset: 'fed-heart-disease', task: 'binary' },
      model: { architecture: 'mlp', hiddenUnits: [8], version: 0, files: ['model.json', 'weights.bin'] },
      features: ['age', 'sex', 'trestbps', 'chol', 'fbs', 'thalach', 'exang', 'oldpeak', 'cp_2', 'cp_3', 'cp_4', 'restecg_1', 'restecg_2'],
      training: { strategy: { name: 'geometric-median' }, privacy: 'none', rounds: 0 },
    });
    expect(card.preprocessing).toMatch(/each site z-normalises with its own training mean/);

    // An export never mixes two models: a directory with files is refused, and left as it was.
    await expect(exportModel(study.id, out)).rejects.toThrow(`${out} is not empty: export into a new or empty directory`);
    expect(readFileSync(join(out, 'model.json'), 'utf8')).toBe(`${JSON.stringify(modelJson)}\n`);
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
