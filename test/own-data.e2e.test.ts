import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { modelCommand } from '../cli/commands/model.js';
import { nodeCommand } from '../cli/commands/node.js';
import { PredictionInputError, predictFile } from '../cli/model-export/predict.js';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../clinic-node/data/dataset.js';
import { loadTableSite, type TableSite, type TableSource } from '../clinic-node/data/table-site.js';
import { FederationClient } from '../clinic-node/client/federation-client.js';
import { generateStudyKey } from '../clinic-node/keys/index.js';
import { encrypts } from '../common/privacy-mode.js';
import type { StudyConfig } from '../coordinator/config/study-config.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { runNode } from '../clinic-node/node-agent.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { ownParameterCount, withoutStatistics } from '../common/model-spec.js';
import { DenseModel } from '../clinic-node/training/dense-model.js';
import * as tf from '@tensorflow/tfjs';
import {
  encodedColumns,
  preprocessRows,
  type FeatureStatistics,
  readStatistics,
  schemaDatasetId,
  type StudySchema,
  type SurvivalOutcome,
} from '../common/schema/index.js';
import { ClinicRegistry } from '../coordinator/clinics/clinic-registry.js';
import { parseStudyConfig, startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { addStatistics, coxStatistics, emptyStatistics, fitCox, readNewtonModel, type SurvivalRecords } from '../survival/index.js';
import { DATA_DIR } from './support/data-dir.js';

// PBC3's six hospitals, each with its own CSV export: the consortium's own data, read through each
// clinic's mapping onto one study schema, preprocessed with federated statistics and fitted by
// federated Newton-Raphson, and compared with the same fit on the pooled records.
const OPERATOR = 'operator-token-for-own-data';
const HOSPITALS = ['hvidovre', 'london', 'copenhagen', 'barcelona', 'munich', 'lyon'];

const SCHEMA = {
  task: 'survival',
  features: [
    { name: 'age', type: 'number', unit: 'years', range: [18, 100] },
    { name: 'albumin', type: 'number', unit: 'g/l', range: [0, 100], missing: 'impute-mean' },
    { name: 'bilirubin', type: 'number', unit: 'µmol/l', range: [0, 1000] },
  ],
  target: { time: 'days', event: 'status', eventCodes: [1, 2] },
  treatment: { column: 'arm', levels: ['placebo', 'cyclosporin'] },
  // Sex as PBC3 codes it; a level with fewer than 10 test records at a site is never reported.
  subgroups: [{ name: 'sex', levels: ['0', '1'] }],
};
const PBC3_COLUMNS = { sex: 'sex', age: 'age', albumin: 'alb', bilirubin: 'bili', days: 'days', status: 'status', arm: 'tment' };
const ARM_CODES = { arm: { '0': 'placebo', '1': 'cyclosporin' } };

/** Hospital `unit`'s records of Pbc3.csv; London's export has its own column names and commas, as another clinic's would. */
function writeHospital(dir: string, unit: number): TableSource {
  const [header, ...lines] = readFileSync(join(DATA_DIR, 'pbc3', 'Pbc3.csv'), 'utf8')
    .trim()
    .split('\n');
  const rows = lines.filter((line) => line.split(';')[1] === String(unit));
  const london = HOSPITALS[unit - 1] === 'london';
  const renamed = london ? header!.replace('alb', 'Albumin').replace('bili', 'Bilirubin').replace('tment', 'Arm') : header!;
  const dataFile = join(dir, `${HOSPITALS[unit - 1]}.csv`);
  writeFileSync(dataFile, [renamed, ...rows].map((line) => (london ? line.replaceAll(';', ',') : line)).join('\n') + '\n');
  const columns = london ? { ...PBC3_COLUMNS, albumin: 'Albumin', bilirubin: 'Bilirubin', arm: 'Arm' } : PBC3_COLUMNS;
  const mappingFile = join(dir, `${HOSPITALS[unit - 1]}-mapping.json`);
  writeFileSync(mappingFile, JSON.stringify({ columns, codes: ARM_CODES, delimiter: london ? ',' : ';' }));
  return { schemaFile: join(dir, 'schema.json'), dataFile, mappingFile, testFraction: 0 };
}

describe("a study on the consortium's own CSV files", () => {
  let coordinator: RunningCoordinator;
  let dir: string;
  let sources: TableSource[];
  let tables: TableSite[];
  let keystores: Keystore[];

  beforeAll(async () => {
    await selectBackend();
    dir = mkdtempSync(join(tmpdir(), 'cohort-own-data-'));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    sources = HOSPITALS.map((_, i) => writeHospital(dir, i + 1));
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: join(dir, 'coordinator.sqlite'),
      logLevels: false,
      insecure: true,
      operatorToken: OPERATOR,
    });
    tables = await Promise.all(sources.map((source, i) => loadTableSite(source, HOSPITALS[i]!)));
    // One enrolment and approval per hospital serves every study on the same schema.
    const dataset = schemaDatasetId('pbc3-own', tables[0]!.schema);
    keystores = HOSPITALS.map((site) => Keystore.create(join(dir, 'keys', site), site));
    for (const [i, keystore] of keystores.entries()) {
      await coordinator.keys.enrol(keystore.card);
      await coordinator.approvals.approve(keystore.clinicId, {
        dataset,
        site: HOSPITALS[i]!,
        numTrain: tables[i]!.train.length,
        numTest: tables[i]!.test.length,
      });
    }
  });

  afterAll(async () => {
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a study to its end with the six hospitals' nodes; the final model as every node holds it. */
  async function federate(study: Record<string, unknown>): Promise<{ config: StudyConfig; parameters: Float32Array; studyId: string }> {
    const config = parseStudyConfig({ dataset: 'pbc3-own', schema: SCHEMA, minClinics: 6, roundTimeoutS: 120, ...study });
    const created = await coordinator.federation.createStudy(config);
    expect(created.dataset).toBe(schemaDatasetId('pbc3-own', tables[0]!.schema));
    if (encrypts(config.privacy)) {
      const client = new FederationClient(coordinator.grpcAddress, { identity: keystores[0]!.identity, credentials: grpcCredentials.createInsecure() });
      await generateStudyKey(client, keystores[0]!, created.id).finally(() => client.close());
    }
    const summaries = await Promise.all(
      HOSPITALS.map((site, i) =>
        runNode({
          coordinator: coordinator.grpcAddress,
          dataset: 'pbc3-own',
          site,
          table: sources[i]!,
          keystore: keystores[i]!,
          credentials: grpcCredentials.createInsecure(),
          exitWhenDone: true,
        }),
      ),
    );
    expect(summaries.map((s) => s.studyStatus)).toEqual(HOSPITALS.map(() => 'completed'));
    const parameters = summaries[0]!.lastModel!.parameters;
    summaries.forEach((s) => expect(Array.from(s.lastModel!.parameters)).toEqual(Array.from(parameters)));
    return { config, parameters, studyId: created.id };
  }

  /** The statistics the clinics combined, against the pooled records' own, to a relative `tolerance`. */
  function expectPooledStatistics(config: StudyConfig, parameters: Float32Array, tolerance: number): FeatureStatistics {
    const columns = encodedColumns(tables[0]!.schema);
    const federated = readStatistics(columns, parameters.subarray(ownParameterCount(config.model)))!;
    const pooledRows = tables.flatMap((t) => t.train.map((r) => r.x));
    columns.forEach((_, j) => {
      const values = pooledRows.map((x) => x[j]!).filter((v) => !Number.isNaN(v));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
      expect(Math.abs(federated.mean[j]! - mean)).toBeLessThan(tolerance * Math.max(1, Math.abs(mean)));
      expect(Math.abs(federated.sd[j]! - sd)).toBeLessThan(10 * tolerance * Math.max(1, sd));
      expect(Math.abs(federated.observed[j]! - values.length / pooledRows.length)).toBeLessThan(tolerance);
    });
    expect(federated.observed[1]).toBeLessThan(1); // albumin has missing values, imputed with the consortium's mean
    return federated;
  }

  /** The stratified Cox model fitted on the pooled records, preprocessed with `stats`. */
  function pooledFit(stats: FeatureStatistics) {
    const schema = tables[0]!.schema;
    const columns = encodedColumns(schema);
    const strata = tables.map((t) => survivalRecords(schema, columns, stats, t.train));
    return fitCox(columns.length, (beta) =>
      strata.reduce((sum, records) => addStatistics(sum, coxStatistics(records, beta, 'efron')), emptyStatistics(columns.length)),
    );
  }

  it('preprocesses with federated statistics equal to the pooled ones and fits the pooled stratified Cox model', async () => {
    const { config, parameters, studyId } = await federate({ model: { architecture: 'cox-newton', timeGrid: { step: 365.25, end: 2191.5 } }, rounds: 8 });
    expect(config.rounds).toBe(9); // round 1 combines the statistics
    const federated = expectPooledStatistics(config, parameters, 1e-5);
    const pooled = await pooledFit(federated);
    const model = readNewtonModel(parameters.subarray(0, ownParameterCount(config.model)));
    pooled.coefficients.forEach((coef, j) => expect(Math.abs(model.coefficients[j]! - coef)).toBeLessThan(1e-4));
    expect(pooled.coefficients[pooled.coefficients.length - 1]).toBeLessThan(0); // cyclosporin lowers the hazard, as in the trial's analysis

    // The export holds the model's own coefficients; its card, the schema and the consortium's statistics.
    const out = join(dir, 'export');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await modelCommand.run(['export', '--coordinator-url', coordinator.httpUrl, '--study-id', studyId, '--out', out, '--token', OPERATOR])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const exported = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(exported.features).toEqual(['age', 'albumin', 'bilirubin', 'treatment']);
    expect(exported.coefficients).toEqual(Array.from(model.coefficients));
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));

    // Subgroup C-index over the sites where a level had at least 10 records, and the largest gap.
    const view = (await (await fetch(`${coordinator.httpUrl}/studies/${studyId}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as {
      roundHistory: {
        subgroups: { subgroup: string; level: string; numTest: number; sites: unknown[]; cIndex: number }[];
        largestSubgroupGap: { gap: number };
      }[];
    };
    const last = view.roundHistory.at(-1)!;
    for (const level of ['0', '1']) {
      const sizes = tables.map((t) => t.test.filter((r) => r.subgroups['sex'] === level).length).filter((n) => n >= 10);
      const reported = last.subgroups.find((s) => s.level === level)!;
      expect([reported.numTest, reported.sites.length]).toEqual([sizes.reduce((a, b) => a + b, 0), sizes.length]);
    }
    const [female, male] = last.subgroups.map((s) => s.cIndex);
    expect(last.largestSubgroupGap.gap).toBeCloseTo(Math.abs(female! - male!), 12);
    expect(card.subgroups).toEqual(last.subgroups);
    expect(card.model.statistics).toBeUndefined();
    expect(card.schema).toEqual(tables[0]!.schema);
    expect(card.normalisation).toEqual(JSON.parse(JSON.stringify(federated)));

    // cohort predict on London's own export through its mapping: imputed and normalised as in training.
    const london = sources[1]!;
    const predicted = await predictFile(out, london.dataFile, 'ptno', { mapping: london.mappingFile });
    const columns = encodedColumns(tables[1]!.schema);
    const byLine = new Map(tables[1]!.train.map((row) => [row.line, row]));
    expect(predicted.predictions).toHaveLength(byLine.size);
    for (const p of predicted.predictions) {
      const x = preprocessRows(columns, federated, [byLine.get(p.line)!.x]);
      const expected = x.reduce((sum, v, j) => sum + v * exported.coefficients[j], 0);
      expect(Math.abs(p.linearPredictor! - expected)).toBeLessThan(1e-9);
      expect(p.id).toMatch(/^[0-9]+$/);
    }
    // A new patient's file need not carry an outcome, and a bad cell is named by line and column.
    const newPatients = join(dir, 'new-patients.csv');
    writeFileSync(newPatients, 'ptno,age,Albumin,Bilirubin\n900,61,,20\n901,70,x,15\n');
    const refused = await predictFile(out, newPatients, 'ptno', { mapping: london.mappingFile }).catch((error: unknown) => error);
    expect((refused as PredictionInputError).problems).toEqual(['new-patients.csv line 3, column "Albumin" (albumin): "x" is not a number']);
    // Without line 3: patient 900's missing albumin takes the consortium's mean; no arm given, so control.
    writeFileSync(newPatients, 'ptno,age,Albumin,Bilirubin\n900,61,,20\n');
    const [patient] = (await predictFile(out, newPatients, 'ptno', { mapping: london.mappingFile })).predictions;
    const filled = preprocessRows(columns, federated, [[61, NaN, 20, 0]]);
    expect(patient!.id).toBe('900');
    expect(patient!.linearPredictor).toBeCloseTo(
      filled.reduce((sum, v, j) => sum + v * exported.coefficients[j], 0),
      9,
    );
    // The study set a time grid and has a treatment: each patient's 5-year risk under each arm.
    expect(predicted.model.horizon).toBeGreaterThan(0);
    expect(patient!.arms!.control.arm).toBe('placebo');
    expect(patient!.arms!.treated.value).toBeLessThan(patient!.arms!.control.value);
  });

  it("combines the statistics by secure aggregation's masked sum, which no one can read per clinic", async () => {
    const { config, parameters } = await federate({ model: { architecture: 'cox-newton' }, rounds: 8, privacy: 'secagg' });
    const federated = expectPooledStatistics(config, parameters, 1e-4);
    const pooled = await pooledFit(federated);
    const model = readNewtonModel(parameters.subarray(0, ownParameterCount(config.model)));
    pooled.coefficients.forEach((coef, j) => expect(Math.abs(model.coefficients[j]! - coef)).toBeLessThan(1e-3));
  });

  it('combines the statistics under CKKS, the clinics decrypting the sum', async () => {
    const { config, parameters } = await federate({ privacy: 'he', rounds: 2, training: { localSteps: 10 } });
    expect(config.model.architecture).toBe('cox-linear');
    expectPooledStatistics(config, parameters, 1e-4);
  });

  it('trains a classifier the same way: whether a patient had the event, with calibration per subgroup', async () => {
    const schema = { ...SCHEMA, task: 'binary', target: { column: 'status', levels: ['censored', 'event'] } };
    writeFileSync(join(dir, 'binary-schema.json'), JSON.stringify(schema));
    const hospitals = ['london', 'copenhagen', 'barcelona'];
    const binarySources = hospitals.map((site) => {
      const source = sources[HOSPITALS.indexOf(site)]!;
      const mapping = JSON.parse(readFileSync(source.mappingFile, 'utf8'));
      const mappingFile = join(dir, `${site}-binary-mapping.json`);
      delete mapping.columns.days; // no follow-up time in a classification study
      writeFileSync(mappingFile, JSON.stringify({ ...mapping, codes: { ...mapping.codes, status: { '0': 'censored', '1': 'event', '2': 'event' } } }));
      return { ...source, schemaFile: join(dir, 'binary-schema.json'), mappingFile };
    });
    const binaryTables = await Promise.all(binarySources.map((source, i) => loadTableSite(source, hospitals[i]!)));
    const config = parseStudyConfig({ dataset: 'pbc3-binary', schema, minClinics: 3, rounds: 3, training: { localSteps: 20 } });
    const study = await coordinator.federation.createStudy(config);
    const summaries = await Promise.all(
      hospitals.map(async (site, i) => {
        const keystore = Keystore.create(join(dir, 'keys', `${site}-binary`), `${site}-binary`);
        await coordinator.keys.enrol(keystore.card);
        const { train, test } = binaryTables[i]!;
        await coordinator.approvals.approve(keystore.clinicId, { dataset: study.dataset, site, numTrain: train.length, numTest: test.length });
        const credentials = grpcCredentials.createInsecure();
        return runNode({
          coordinator: coordinator.grpcAddress,
          dataset: 'pbc3-binary',
          site,
          table: binarySources[i]!,
          keystore,
          credentials,
          exitWhenDone: true,
        });
      }),
    );
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const view = (await (await fetch(`${coordinator.httpUrl}/studies/${study.id}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as {
      roundHistory: { metrics: { accuracy: number }[]; pooledAccuracy: number; subgroups: { level: string; accuracy: number; calibration: number }[] }[];
    };
    const last = view.roundHistory.at(-1)!;
    expect(last.metrics).toHaveLength(3);
    expect(last.pooledAccuracy).toBeGreaterThan(0.5);
    const common = last.subgroups.find((s) => s.level === '0')!;
    expect(common.accuracy).toBeGreaterThan(0);
    expect(common.calibration).toBeGreaterThan(0);
  });

  it('trains a multiclass model the same way: censored, transplant or death, a softmax the export and predict reproduce', async () => {
    const classes = ['censored', 'transplant', 'death'];
    const schema = { ...SCHEMA, task: 'multiclass', target: { column: 'status', levels: classes } };
    writeFileSync(join(dir, 'multiclass-schema.json'), JSON.stringify(schema));
    const hospitals = ['london', 'copenhagen', 'barcelona'];
    const multiclassSources = hospitals.map((site) => {
      const source = sources[HOSPITALS.indexOf(site)]!;
      const mapping = JSON.parse(readFileSync(source.mappingFile, 'utf8'));
      const mappingFile = join(dir, `${site}-multiclass-mapping.json`);
      delete mapping.columns.days; // no follow-up time in a classification study
      writeFileSync(mappingFile, JSON.stringify({ ...mapping, codes: { ...mapping.codes, status: { '0': 'censored', '1': 'transplant', '2': 'death' } } }));
      // A quarter of each hospital's records held out: accuracy on patients the model never saw.
      return { ...source, schemaFile: join(dir, 'multiclass-schema.json'), mappingFile, testFraction: 0.25 };
    });
    const multiclassTables = await Promise.all(multiclassSources.map((source, i) => loadTableSite(source, hospitals[i]!)));
    const config = parseStudyConfig({ dataset: 'pbc3-multiclass', schema, minClinics: 3, rounds: 4, training: { localSteps: 20 } });
    expect(config.model.outputDim).toBe(3);
    const study = await coordinator.federation.createStudy(config);
    const summaries = await Promise.all(
      hospitals.map(async (site, i) => {
        const keystore = Keystore.create(join(dir, 'keys', `${site}-multiclass`), `${site}-multiclass`);
        await coordinator.keys.enrol(keystore.card);
        const { train, test } = multiclassTables[i]!;
        await coordinator.approvals.approve(keystore.clinicId, { dataset: study.dataset, site, numTrain: train.length, numTest: test.length });
        return runNode({
          coordinator: coordinator.grpcAddress,
          dataset: 'pbc3-multiclass',
          site,
          table: multiclassSources[i]!,
          keystore,
          credentials: grpcCredentials.createInsecure(),
          exitWhenDone: true,
        });
      }),
    );
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const view = (await (await fetch(`${coordinator.httpUrl}/studies/${study.id}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as {
      roundHistory: { metrics: { accuracy: number; numTest: number; loss: number }[]; pooledAccuracy: number; subgroups: { calibration: number | null }[] }[];
    };
    const last = view.roundHistory.at(-1)!;
    const sorted = (ns: number[]) => [...ns].sort((a, b) => a - b);
    expect(sorted(last.metrics.map((m) => m.numTest))).toEqual(sorted(multiclassTables.map((t) => t.test.length)));
    // Three classes: chance is a third; most of these patients were censored, which the model must at least learn.
    const censored = multiclassTables.flatMap((t) => t.test).filter((r) => r.target === 0).length / last.metrics.reduce((n, m) => n + m.numTest, 0);
    expect(last.pooledAccuracy).toBeGreaterThan(0.6);
    // And its probabilities beat a uniform guess's cross-entropy, ln 3, at every site.
    last.metrics.forEach((m) => expect(m.loss).toBeLessThan(Math.log(3)));
    expect(last.pooledAccuracy).toBeGreaterThanOrEqual(censored - 0.05);
    // Calibration is a binary model's; a multiclass subgroup shows accuracy only.
    expect(last.subgroups.length).toBeGreaterThan(0);
    last.subgroups.forEach((s) => expect(s.calibration).toBeNull());

    // Exported as a TensorFlow.js softmax network; predict gives each class's probability, as the model's own logits do.
    const out = join(dir, 'multiclass-export');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await modelCommand.run(['export', '--coordinator-url', coordinator.httpUrl, '--study-id', study.id, '--out', out, '--token', OPERATOR])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));
    expect([card.study.task, card.classes]).toEqual(['multiclass', classes]);
    const parameters = summaries[0]!.lastModel!.parameters;
    const ownLength = ownParameterCount(config.model);
    const stats = readStatistics(encodedColumns(multiclassTables[0]!.schema), parameters.subarray(ownLength))!;
    const london = multiclassSources[0]!;
    const predicted = await predictFile(out, london.dataFile, 'ptno', { mapping: london.mappingFile });
    const rows = [...multiclassTables[0]!.train, ...multiclassTables[0]!.test];
    expect(predicted.predictions).toHaveLength(rows.length);
    const byLine = new Map(rows.map((row) => [row.line, row]));
    const model = new DenseModel(withoutStatistics(config.model), parameters.slice(0, ownLength));
    try {
      for (const p of predicted.predictions) {
        const x = preprocessRows(encodedColumns(multiclassTables[0]!.schema), stats, [byLine.get(p.line)!.x]);
        const expected = tf.tidy(() => tf.softmax(model.logits(tf.tensor2d(x, [1, x.length]))).dataSync());
        classes.forEach((c, k) => expect(p.probabilities![c]).toBeCloseTo(expected[k]!, 5));
        expect(p.predictedClass).toBe(classes[expected.indexOf(Math.max(...expected))]);
      }
    } finally {
      model.dispose();
    }
  });

  it('trains a linear regression the same way: the age at entry, scored by RMSE, that predict reproduces', async () => {
    // Age from albumin, bilirubin and the arm: a number target, no subgroups (their reports carry counts only).
    const schema = { task: 'regression', features: SCHEMA.features.slice(1), target: { column: 'age' }, treatment: SCHEMA.treatment };
    writeFileSync(join(dir, 'regression-schema.json'), JSON.stringify(schema));
    const hospitals = ['london', 'copenhagen', 'barcelona'];
    const regressionSources = hospitals.map((site) => {
      const source = sources[HOSPITALS.indexOf(site)]!;
      const mapping = JSON.parse(readFileSync(source.mappingFile, 'utf8'));
      const mappingFile = join(dir, `${site}-regression-mapping.json`);
      for (const unused of ['days', 'status', 'sex']) delete mapping.columns[unused];
      writeFileSync(mappingFile, JSON.stringify(mapping));
      return { ...source, schemaFile: join(dir, 'regression-schema.json'), mappingFile, testFraction: 0.25 };
    });
    const regressionTables = await Promise.all(regressionSources.map((source, i) => loadTableSite(source, hospitals[i]!)));
    const config = parseStudyConfig({
      dataset: 'pbc3-regression',
      schema,
      minClinics: 3,
      rounds: 6,
      strategy: { name: 'fedavg' },
      training: { batchSize: 32, localSteps: 200 },
    });
    expect(config.model.architecture).toBe('linear-regression');
    const study = await coordinator.federation.createStudy(config);
    const summaries = await Promise.all(
      hospitals.map(async (site, i) => {
        const keystore = Keystore.create(join(dir, 'keys', `${site}-regression`), `${site}-regression`);
        await coordinator.keys.enrol(keystore.card);
        const { train, test } = regressionTables[i]!;
        await coordinator.approvals.approve(keystore.clinicId, { dataset: study.dataset, site, numTrain: train.length, numTest: test.length });
        return runNode({
          coordinator: coordinator.grpcAddress,
          dataset: 'pbc3-regression',
          site,
          table: regressionSources[i]!,
          keystore,
          credentials: grpcCredentials.createInsecure(),
          exitWhenDone: true,
        });
      }),
    );
    expect(summaries.map((s) => s.studyStatus)).toEqual(['completed', 'completed', 'completed']);
    const view = (await (await fetch(`${coordinator.httpUrl}/studies/${study.id}`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as {
      roundHistory: { metrics: { numTest: number; loss: number; rmse: number }[]; pooledAccuracy: number | null; pooledRmse: number }[];
    };
    const last = view.roundHistory.at(-1)!;
    last.metrics.forEach((m) => expect(m.rmse).toBeCloseTo(Math.sqrt(m.loss), 9));
    const tested = last.metrics.reduce((n, m) => n + m.numTest, 0);
    expect(last.pooledRmse).toBeCloseTo(Math.sqrt(last.metrics.reduce((sum, m) => sum + m.loss * m.numTest, 0) / tested), 9);
    expect(last.pooledAccuracy).toBeNull();
    // FedAvg of local least squares approaches the pooled least-squares line: on the training patients
    // its RMSE is within 1% of that line's (ages near 50 that albumin and bilirubin barely explain).
    const parameters = summaries[0]!.lastModel!.parameters;
    const columns = encodedColumns(regressionTables[0]!.schema);
    const stats = readStatistics(columns, parameters.subarray(ownParameterCount(config.model)))!;
    const predict = (x: ArrayLike<number>) => preprocessRows(columns, stats, [x]).reduce((sum, v, j) => sum + v * parameters[j]!, parameters[columns.length]!);
    const trainRows = regressionTables.flatMap((t) => t.train);
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

    const out = join(dir, 'regression-export');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await modelCommand.run(['export', '--coordinator-url', coordinator.httpUrl, '--study-id', study.id, '--out', out, '--token', OPERATOR])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const card = JSON.parse(readFileSync(join(out, 'model-card.json'), 'utf8'));
    expect([card.study.task, card.pooled.rmse]).toEqual(['regression', last.pooledRmse]);
    const predicted = await predictFile(out, regressionSources[0]!.dataFile, 'ptno', { mapping: regressionSources[0]!.mappingFile });
    const byLine = new Map([...regressionTables[0]!.train, ...regressionTables[0]!.test].map((row) => [row.line, row]));
    expect(predicted.predictions).toHaveLength(byLine.size);
    for (const p of predicted.predictions) {
      expect(p.value).toBeCloseTo(predict(byLine.get(p.line)!.x), 3);
    }
  });

  it('cohort node --check reads the file as the node would and prints what the operator approves, sending nothing', async () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const source = sources[3]!;
      const code = await nodeCommand.run([
        '--check',
        '--dataset',
        'pbc3-own',
        '--schema',
        source.schemaFile,
        '--data',
        source.dataFile,
        '--mapping',
        source.mappingFile,
        '--site',
        'barcelona',
      ]);
      expect(code).toBe(0);
      const id = schemaDatasetId('pbc3-own', tables[3]!.schema);
      // --check holds out the default 0.2 for evaluation; the study's nodes above held out none.
      const test = Math.floor(tables[3]!.train.length * 0.2);
      expect(lines).toContain(`dataset id ${id}: ${tables[3]!.train.length - test} training and ${test} test records`);
    } finally {
      log.mockRestore();
    }
  });

  it('refuses a clinic whose copy of the study schema differs, naming both datasets', async () => {
    const stale = join(dir, 'stale-schema.json');
    writeFileSync(stale, JSON.stringify({ ...SCHEMA, features: SCHEMA.features.map((f) => (f.name === 'age' ? { ...f, range: [18, 90] } : f)) }));
    const keystore = Keystore.create(join(dir, 'keys', 'stale'), 'stale');
    await coordinator.keys.enrol(keystore.card);
    const source = { ...sources[2]!, schemaFile: stale };
    await expect(
      runNode({
        coordinator: coordinator.grpcAddress,
        dataset: 'pbc3-own',
        site: 'stale',
        table: source,
        keystore,
        credentials: grpcCredentials.createInsecure(),
        reconnectWindowMs: 0,
      }),
    ).rejects.toThrow(
      /registers for dataset pbc3-own@[0-9a-f]{12}, but the studies on pbc3-own use pbc3-own@[0-9a-f]{12}: its copy of the study schema differs/,
    );
  });

  it('lists every bad row by file, line and column, and the node sends nothing', async () => {
    const source = writeHospital(dir, 2);
    const lines = readFileSync(source.dataFile, 'utf8').split('\n');
    lines[2] = lines[2]!.replace(/^([^,]*,[^,]*,)[^,]*/, '$1maybe'); // the treatment code
    lines[4] = lines[4]!
      .split(',')
      .map((cell, k) => (k === 8 ? '4;1' : k === 13 ? '-3' : cell))
      .join(',');
    writeFileSync(source.dataFile, lines.join('\n'));
    const refused = await loadTableSite(source, 'london').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataError);
    const message = (refused as DataError).message;
    expect(message).toMatch(/london\.csv has 3 problems; nothing was trained or sent/);
    expect(message).toMatch(/london\.csv line 3, column "Arm" \(arm\): "maybe"/);
    expect(message).toMatch(/london\.csv line 5, column "Albumin" \(albumin\): "4;1"/);
    expect(message).toMatch(/london\.csv line 5, column "days": "-3"/);

    const keystore = Keystore.create(join(dir, 'keys', 'london-again'), 'london-again');
    await coordinator.keys.enrol(keystore.card);
    await expect(
      runNode({
        coordinator: coordinator.grpcAddress,
        dataset: 'pbc3-own',
        site: 'london',
        table: source,
        keystore,
        credentials: grpcCredentials.createInsecure(),
      }),
    ).rejects.toThrow(/3 problems; nothing was trained or sent/);
    expect(await coordinator.app.get(ClinicRegistry).find('london-again')).toBeNull();
  });
});

function survivalRecords(
  schema: StudySchema,
  columns: ReturnType<typeof encodedColumns>,
  stats: NonNullable<ReturnType<typeof readStatistics>>,
  rows: { x: number[]; target: unknown }[],
): SurvivalRecords {
  expect(schema.task).toBe('survival');
  const outcomes = rows.map((r) => r.target as SurvivalOutcome);
  return {
    x: Float64Array.from(
      preprocessRows(
        columns,
        stats,
        rows.map((r) => r.x),
      ),
    ),
    time: Float64Array.from(outcomes, (o) => o.time),
    event: Uint8Array.from(outcomes, (o) => o.event),
    count: rows.length,
    covariates: columns.length,
  };
}

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
