import { afterEach, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { describeEachBackend, freshDatabase, type TestDatabase } from '../../test/support/databases.js';
import { createDataSource, databaseOptions, MIGRATIONS } from './data-source.js';
import { ModelVersionEntity } from './entities/model-version.entity.js';
import { SiteMetricEntity } from './entities/site-metric.entity.js';
import { ClinicEntity } from './entities/clinic.entity.js';
import { StudyEntity } from './entities/study.entity.js';

describeEachBackend('the schema the migrations build', (backend) => {
  let database: TestDatabase;
  let db: DataSource | undefined;

  const migrate = async () => {
    database = await freshDatabase(backend);
    db = await createDataSource(databaseOptions(database.database)).initialize();
    return db;
  };

  afterEach(async () => {
    await db?.destroy();
    db = undefined;
    await database.drop();
  });

  it('is what the entities describe: the schema builder finds nothing to change', async () => {
    const migrated = await migrate();
    expect((await migrated.query('SELECT name FROM migrations ORDER BY id')).map((r: { name: string }) => r.name)).toEqual(MIGRATIONS.map((m) => new m().name));
    const drift = await migrated.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('keeps bytes, 64-bit counts and epoch milliseconds as they were written', async () => {
    const migrated = await migrate();
    const now = 1_733_000_000_123;
    await migrated.getRepository(ClinicEntity).insert({ id: 'c1', dataset: 'd', site: 's', numTrain: 1, numTest: 1, nodeVersion: '1', registeredAt: now });
    await migrated.getRepository(StudyEntity).insert({
      id: 's1',
      name: 'n',
      dataset: 'd',
      model: {},
      strategy: {},
      training: {},
      privacy: 'none',
      rounds: 1,
      quorum: 1,
      minClinics: 1,
      roundTimeoutMs: 1000,
      seed: 1,
      status: 'running',
      error: null,
      createdAt: now,
      finishedAt: null,
    } as unknown as StudyEntity);
    const parameters = Float32Array.from([1.5, -0, Number.MIN_VALUE, 3.4e38]);
    await migrated
      .getRepository(ModelVersionEntity)
      .insert({ studyId: 's1', version: 0, parameters, strategyState: null, createdAt: now } as ModelVersionEntity);
    const pairs = 2 ** 40 + 3; // past 32 bits, within a double's exact integers
    await migrated.getRepository(SiteMetricEntity).insert({
      studyId: 's1',
      modelVersion: 0,
      clinicId: 'c1',
      numTest: 1,
      numCorrect: 1,
      accuracy: 1,
      loss: 0,
      concordantPairs: pairs,
      discordantPairs: 0,
      tiedRiskPairs: 1,
      reportedAt: now,
    } as SiteMetricEntity);

    const model = await migrated.getRepository(ModelVersionEntity).findOneByOrFail({ studyId: 's1', version: 0 });
    expect(model.parameters).toEqual(parameters);
    expect(model.createdAt).toBe(now);
    const metric = await migrated.getRepository(SiteMetricEntity).findOneByOrFail({ studyId: 's1', modelVersion: 0, clinicId: 'c1' });
    expect([metric.concordantPairs, metric.discordantPairs, metric.tiedRiskPairs, metric.reportedAt]).toEqual([pairs, 0, 1, now]);
    // The tables keep their foreign keys: a model version of no study is refused.
    await expect(
      migrated.getRepository(ModelVersionEntity).insert({ studyId: 'none', version: 0, parameters, strategyState: null, createdAt: now } as ModelVersionEntity),
    ).rejects.toThrow(/foreign key/i);
  });

  it('undoes every migration and applies them again', async () => {
    const migrated = await migrate();
    for (let i = 0; i < MIGRATIONS.length; i++) await migrated.undoLastMigration();
    expect(await migrated.query('SELECT COUNT(*) AS n FROM migrations').then((r: { n: number | string }[]) => Number(r[0]!.n))).toBe(0);
    await migrated.runMigrations();
    expect((await migrated.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
  });
});
