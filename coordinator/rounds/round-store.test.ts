import { status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { parseStudyConfig } from '../config/study-config.js';
import { sqliteOptions } from '../persistence/data-source.js';
import { AuditEventEntity, auditEvent } from '../persistence/entities/audit-event.entity.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { SiteMetricEntity } from '../persistence/entities/site-metric.entity.js';
import type { StudyEntity } from '../persistence/entities/study.entity.js';
import { RoundStore } from './round-store.js';

// The store against a real (in-memory) SQLite schema: what matters here is what reaches the tables.
describe('RoundStore.recordEvaluation', () => {
  let db: DataSource;
  let store: RoundStore;
  let study: StudyEntity;

  beforeEach(async () => {
    db = new DataSource(sqliteOptions(':memory:'));
    await db.initialize();
    store = new RoundStore(db);
    study = await store.createStudy(parseStudyConfig({ dataset: 'fed-heart-disease' }));
    await db.getRepository(ClinicEntity).insert({
      id: 'clinic-a',
      dataset: 'fed-heart-disease',
      site: 'cleveland',
      numTrain: 199,
      numTest: 104,
      nodeVersion: 'test',
      registeredAt: 0,
    });
  });
  afterEach(async () => {
    await db.destroy();
  });

  /** Version 0 exists from the study's creation. */
  const report = (accuracy: number, clinicId = 'clinic-a') => ({
    clinicId,
    studyId: study.id,
    modelVersion: 0,
    numTest: 104,
    numCorrect: Math.round(accuracy * 104),
    accuracy,
    loss: 0.5,
    concordantPairs: 0,
    discordantPairs: 0,
    tiedRiskPairs: 0,
    cIndex: null,
    subgroups: null,
  });
  const metrics = () => db.getRepository(SiteMetricEntity).find();
  const auditEvents = () => db.getRepository(AuditEventEntity).findBy({ type: 'evaluation' });

  it('stores the first report with its audit event', async () => {
    await expect(store.recordEvaluation(report(0.75))).resolves.toBe(true);
    expect(await metrics()).toEqual([expect.objectContaining({ ...report(0.75), reportedAt: expect.any(Number) })]);
    expect(await auditEvents()).toEqual([
      expect.objectContaining({
        naturalKey: `evaluation/${study.id}/0/clinic-a`,
        studyId: study.id,
        round: 0,
        clinicId: 'clinic-a',
        detail: { accuracy: 0.75, loss: 0.5, numTest: 104, numCorrect: 78 },
      }),
    ]);
  });

  it('keeps a stored report as it is: the same report again is acknowledged, another refused', async () => {
    await expect(store.recordEvaluation(report(0.75))).resolves.toBe(true);
    await expect(store.recordEvaluation(report(0.75))).resolves.toBe(false);
    await expect(store.recordEvaluation(report(0.5))).rejects.toThrow(
      `clinic clinic-a already reported its evaluation of model version 0 of study ${study.id} (78 correct of 104): a report cannot be changed`,
    );
    await expect(store.recordEvaluation({ ...report(0.75), loss: 0.4 })).rejects.toMatchObject({ code: status.ALREADY_EXISTS });
    expect(await metrics()).toEqual([expect.objectContaining(report(0.75))]);
    expect((await auditEvents()).map((event) => event.detail)).toEqual([{ accuracy: 0.75, loss: 0.5, numTest: 104, numCorrect: 78 }]);
  });

  it('leaves no metrics when the audit event cannot be written', async () => {
    // A planted event holding the same natural key makes the audit insert fail after the metrics' write.
    await db.getRepository(AuditEventEntity).insert(auditEvent('evaluation', { studyId: study.id, round: 0, clinicId: 'clinic-a' }, { planted: true }));
    await expect(store.recordEvaluation(report(0.75))).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await metrics()).toEqual([]);
  });

  it('leaves no audit event when the metrics cannot be written', async () => {
    // The site_metrics row names an unregistered clinic: its foreign key refuses it.
    await expect(store.recordEvaluation(report(0.75, 'clinic-unknown'))).rejects.toThrow(/FOREIGN KEY constraint failed/);
    expect(await auditEvents()).toEqual([]);
    expect(await metrics()).toEqual([]);
  });
});
