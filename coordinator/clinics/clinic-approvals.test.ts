import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { cardOf, createIdentity } from '../../crypto/index.js';
import { KeysService } from '../keys/keys.service.js';
import { sqliteOptions } from '../persistence/data-source.js';
import { ClinicApprovalEntity } from '../persistence/entities/clinic-approval.entity.js';
import { ClinicIdentityEntity } from '../persistence/entities/clinic-identity.entity.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { KeyEnvelopeEntity } from '../persistence/entities/key-envelope.entity.js';
import { StudyKeyEntity } from '../persistence/entities/study-key.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { ClinicApprovals, type Approval } from './clinic-approvals.js';
import { ClinicRegistry, type ClinicRegistration } from './clinic-registry.js';
import { TaskHub } from './task-hub.js';

const CLEVELAND: Approval = { dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 199, numTest: 104 };
const registration = (clinicId: string, extra: Partial<ClinicRegistration> = {}): ClinicRegistration => ({
  clinicId,
  dataset: 'fed-heart-disease',
  site: 'cleveland',
  numTrain: 199,
  numTest: 104,
  nodeVersion: 'test',
  ...extra,
});

// Approvals and the registry against a real (in-memory) SQLite schema.
describe('approving clinics and registering them', () => {
  let db: DataSource;
  let keys: KeysService;
  let approvals: ClinicApprovals;
  let registry: ClinicRegistry;
  let hub: TaskHub;

  beforeEach(async () => {
    db = new DataSource(sqliteOptions(':memory:'));
    await db.initialize();
    const repo = <T extends object>(entity: new () => T) => db.getRepository(entity);
    keys = new KeysService(db, repo(ClinicIdentityEntity), repo(StudyKeyEntity), repo(KeyEnvelopeEntity), repo(StudyEntity));
    approvals = new ClinicApprovals(db);
    hub = new TaskHub(keys);
    registry = new ClinicRegistry(repo(ClinicEntity), repo(StudyEntity), hub, approvals);
    for (const id of ['clinic-a', 'clinic-b']) await keys.enrol(cardOf(createIdentity(id)));
  });
  afterEach(async () => {
    await db.destroy();
  });

  /** The clinic's task stream held open, as a connected node holds it. */
  const connect = (clinicId: string) => hub.watch(clinicId, async () => []).subscribe();

  it('stores what the operator approved, and replaces it on a second approval', async () => {
    const announced: string[] = [];
    approvals.approved$.subscribe((id) => announced.push(id));
    const first = await approvals.approve('clinic-a', CLEVELAND);
    expect(announced).toEqual(['clinic-a']);
    await expect(approvals.approve('clinic-b', CLEVELAND)).rejects.toThrow('is held by clinic clinic-a');
    expect(announced).toEqual(['clinic-a']);
    expect(first).toMatchObject({ clinicId: 'clinic-a', ...CLEVELAND, source: 'operator' });
    await approvals.approve('clinic-a', { ...CLEVELAND, numTrain: 250 });
    expect(await approvals.of('clinic-a')).toMatchObject({ numTrain: 250, numTest: 104 });
    expect(await db.getRepository(ClinicApprovalEntity).count()).toBe(1);
    expect(await approvals.of('clinic-b')).toBeNull();
  });

  it('names every wrong figure, and approves only enrolled clinics in good standing', async () => {
    await expect(approvals.approve('clinic-a', { dataset: 'fed-heart-disease', site: 'boston', numTrain: 0, numTest: 1.5 })).rejects.toThrow(
      'approval: unknown site "boston" for dataset fed-heart-disease (sites: cleveland, hungarian, switzerland, va, or a shard such as cleveland.2); numTrain must be a whole number in [1, 4294967295], got 0; numTest must be a whole number in [0, 4294967295], got 1.5',
    );
    await expect(approvals.approve('clinic-a', { ...CLEVELAND, numTrain: 2 ** 32 })).rejects.toThrow(
      'numTrain must be a whole number in [1, 4294967295], got 4294967296',
    );
    await expect(approvals.approve('clinic-z', CLEVELAND)).rejects.toThrow('clinic "clinic-z" is not enrolled: enrol its card first (cohort clinic enrol)');
    await keys.revoke('clinic-b', 'lost laptop');
    await expect(approvals.approve('clinic-b', CLEVELAND)).rejects.toThrow('clinic clinic-b was revoked: it cannot be approved');
    expect(await db.getRepository(ClinicApprovalEntity).count()).toBe(0);
  });

  it('gives one site to one clinic in good standing; a shard of a site is a site of its own', async () => {
    await approvals.approve('clinic-a', CLEVELAND);
    await expect(approvals.approve('clinic-b', CLEVELAND)).rejects.toThrow(
      'site fed-heart-disease/cleveland is held by clinic clinic-a: one site, one clinic (revoke it first)',
    );
    await approvals.approve('clinic-b', { ...CLEVELAND, site: 'cleveland.2' });
    await keys.enrol(cardOf(createIdentity('clinic-c')));
    await expect(approvals.approve('clinic-c', { ...CLEVELAND, site: 'cleveland.2' })).rejects.toThrow('is held by clinic clinic-b');
    await keys.revoke('clinic-a', 'left the consortium');
    await approvals.approve('clinic-c', CLEVELAND);
    expect(await approvals.holdersOf('fed-heart-disease', 'cleveland')).toEqual(['clinic-c']);
  });

  it('approves what a clinic declared, once it has registered', async () => {
    await expect(approvals.approve('clinic-a', 'declared')).rejects.toThrow('clinic clinic-a has not registered yet: there is no declaration to approve');
    await registry.register(registration('clinic-a', { numTrain: 150, numTest: 50 }));
    expect(await approvals.approve('clinic-a', 'declared')).toMatchObject({ ...CLEVELAND, numTrain: 150, numTest: 50, source: 'declaration' });
  });

  it('refuses a registration beyond its approval: another site, more records', async () => {
    await approvals.approve('clinic-a', CLEVELAND);
    await expect(registry.register(registration('clinic-a', { site: 'va' }))).rejects.toThrow(
      'clinic clinic-a is approved for fed-heart-disease/cleveland, not fed-heart-disease/va',
    );
    await expect(registry.register(registration('clinic-a', { numTrain: 4e9 }))).rejects.toThrow(
      'clinic clinic-a declares 4000000000 training records; the operator approved at most 199',
    );
    await expect(registry.register(registration('clinic-a', { numTest: 105 }))).rejects.toThrow(
      'clinic clinic-a declares 105 test records; the operator approved at most 104',
    );
    expect(await registry.find('clinic-a')).toBeNull();
    await registry.register(registration('clinic-a', { numTrain: 120 }));
    expect((await registry.find('clinic-a'))?.numTrain).toBe(120);
  });

  it("refuses a registration at another clinic's site", async () => {
    await approvals.approve('clinic-a', CLEVELAND);
    await expect(registry.register(registration('clinic-b'))).rejects.toThrow(
      'site fed-heart-disease/cleveland is held by clinic clinic-a: one site, one clinic',
    );
  });

  it('asks only connected clinics registered within their approval', async () => {
    await registry.register(registration('clinic-a'));
    await registry.register(registration('clinic-b', { site: 'va', numTrain: 85, numTest: 45 }));
    const streams = [connect('clinic-a'), connect('clinic-b')];
    expect(await registry.connected('fed-heart-disease')).toEqual([]);
    await approvals.approve('clinic-b', 'declared');
    expect(await registry.connected('fed-heart-disease')).toEqual(['clinic-b']);
    await approvals.approve('clinic-a', CLEVELAND);
    expect(await registry.connected('fed-heart-disease')).toEqual(['clinic-a', 'clinic-b']);
    // Approved again for fewer records than it registered with: no longer asked until it registers within them.
    await approvals.approve('clinic-a', { ...CLEVELAND, numTrain: 100 });
    expect(await registry.connected('fed-heart-disease')).toEqual(['clinic-b']);
    for (const stream of streams) stream.unsubscribe();
  });

  it('requireApproved names a clinic that is not approved', async () => {
    await registry.register(registration('clinic-a'));
    await expect(registry.requireApproved('clinic-a')).rejects.toThrow(
      'clinic clinic-a is not approved: the operator approves its site and record counts (cohort clinic approve)',
    );
    await approvals.approve('clinic-a', CLEVELAND);
    expect((await registry.requireApproved('clinic-a')).approval.numTrain).toBe(199);
  });
});
