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
import { ownParameterCount } from '../common/model-spec.js';
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
import { HOSPITALS, SCHEMA, writeHospital } from './support/own-data.js';

// PBC3's six hospitals, each with its own CSV export (test/support/own-data.ts): the consortium's own
// data, read through each clinic's mapping onto one study schema, preprocessed with federated
// statistics and fitted by federated Newton-Raphson, and compared with the same fit on the pooled
// records; the node's refusals of bad files and of a stale schema. Other tasks: own-data-tasks.e2e.
const OPERATOR = 'operator-token-for-own-data';

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
