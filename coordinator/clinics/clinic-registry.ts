import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { clinicIdProblem } from '../../common/clinic-id.js';
import { checkDatasetSite } from '../../common/datasets.js';
import { isSchemaDatasetId } from '../../common/schema/index.js';
import { refuse } from '../../common/errors.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { ClinicApprovals, type ApprovalRecord } from './clinic-approvals.js';
import { TaskHub } from './task-hub.js';

/** What a clinic's node declares when it registers. */
export interface ClinicRegistration {
  /** 1-128 letters, digits, '.', '_' or '-'; the id it enrolled under. */
  clinicId: string;
  /** The dataset it serves, e.g. `fed-heart-disease`. */
  dataset: string;
  /** Its site within the dataset. */
  site: string;
  /** Training records it holds; at least 1. */
  numTrain: number;
  /** Test records it holds. */
  numTest: number;
  /** The node's version; kept to 32 characters. */
  nodeVersion: string;
}

/** A registered clinic as an operator's view shows it (GET /clinics). */
export interface ClinicPresence {
  registration: Omit<ClinicRegistration, 'clinicId'> & { firstRegisteredAt: string };
  connected: boolean;
  lastSeenAt: string | null;
}

/**
 * The clinics the coordinator knows: their registrations, and which of them are connected now (a
 * clinic is connected while one of its task streams is open, TaskHub).
 */
@Injectable()
export class ClinicRegistry {
  private readonly logger = new Logger('Federation');

  constructor(
    @InjectRepository(ClinicEntity) private readonly clinics: Repository<ClinicEntity>,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    private readonly hub: TaskHub,
    private readonly approvals: ClinicApprovals,
  ) {}

  /**
   * Registers a clinic, or updates its registration (keeping when it first registered). An approved
   * clinic must register for its approved site with at most its approved counts; a clinic not yet
   * approved is recorded (the operator sees its declaration) but asked to train in no study.
   */
  async register(registration: ClinicRegistration): Promise<ClinicEntity> {
    const { clinicId, dataset, site, numTrain, numTest, nodeVersion } = registration;
    const problem = clinicIdProblem(clinicId);
    if (problem) throw refuse.invalid(problem);
    try {
      checkDatasetSite(dataset, site);
    } catch (error) {
      throw refuse.invalid((error as Error).message);
    }
    if (numTrain < 1) throw refuse.invalid(`clinic ${clinicId} declares no training records`);
    if (isSchemaDatasetId(dataset)) await this.checkSchemaKnown(clinicId, dataset);
    const approval = await this.approvals.of(clinicId);
    if (approval) checkAgainstApproval(registration, approval);
    await this.checkSiteFree(registration);
    const existing = await this.clinics.findOneBy({ id: clinicId });
    const clinic = this.clinics.create({
      id: clinicId,
      dataset,
      site,
      numTrain,
      numTest,
      nodeVersion: nodeVersion.slice(0, 32),
      registeredAt: existing?.registeredAt ?? Date.now(),
    });
    await this.clinics.save(clinic, { transaction: false });
    this.logger.log(`clinic ${clinic.id} registered: ${clinic.dataset}/${clinic.site}, ${clinic.numTrain} train, ${clinic.numTest} test`);
    if (!approval) {
      this.logger.warn(
        `clinic ${clinic.id} is not approved: no study asks it to train until the operator approves its site and counts (cohort clinic approve --clinic-id ${clinic.id})`,
      );
    }
    return clinic;
  }

  /**
   * A consortium dataset's id carries its schema's fingerprint: a clinic registering for a name a
   * study uses under another fingerprint has another copy of the schema, and would wait for tasks
   * that never come. Refused, naming both. A name no study uses yet is accepted (its study may come).
   */
  private async checkSchemaKnown(clinicId: string, dataset: string): Promise<void> {
    if (await this.studies.existsBy({ dataset })) return;
    const name = dataset.slice(0, dataset.indexOf('@'));
    const others = (await this.studies.find({ select: ['dataset'] })).map((s) => s.dataset).filter((d) => d.startsWith(`${name}@`));
    if (others.length > 0) {
      throw refuse.invalid(
        `clinic ${clinicId} registers for dataset ${dataset}, but the studies on ${name} use ${[...new Set(others)].join(', ')}: its copy of the study schema differs from the study's (ask the operator for the schema file the study was created with)`,
      );
    }
  }

  /** One site, one clinic: a registration for a site another clinic in good standing is approved for is refused. */
  private async checkSiteFree({ clinicId, dataset, site }: ClinicRegistration): Promise<void> {
    const holder = (await this.approvals.holdersOf(dataset, site)).find((id) => id !== clinicId);
    if (holder) throw refuse.denied(`site ${dataset}/${site} is held by clinic ${holder}: one site, one clinic`);
  }

  /** The registered clinic and its approval; refused if it never registered or is not approved. */
  async requireApproved(clinicId: string): Promise<{ clinic: ClinicEntity; approval: ApprovalRecord }> {
    const clinic = await this.requireClinic(clinicId);
    const approval = await this.approvals.of(clinicId);
    if (!approval) throw refuse.denied(`clinic ${clinicId} is not approved: the operator approves its site and record counts (cohort clinic approve)`);
    return { clinic, approval };
  }

  /** The registered clinic; refused (unauthenticated) if it never registered. */
  async requireClinic(clinicId: string): Promise<ClinicEntity> {
    const clinic = await this.clinics.findOneBy({ id: clinicId });
    if (!clinic) throw refuse.unauthenticated(`clinic "${clinicId}" is not registered: call Register first`);
    return clinic;
  }

  find(clinicId: string): Promise<ClinicEntity | null> {
    return this.clinics.findOneBy({ id: clinicId });
  }

  /** Registered clinics among `ids`, in no particular order. */
  withIds(ids: readonly string[]): Promise<ClinicEntity[]> {
    return this.clinics.findBy({ id: In([...ids]) });
  }

  /**
   * Every registered clinic's declaration, whether it is connected now, and when its task stream last
   * opened or closed (null when not since the coordinator started: that is not kept across restarts).
   */
  async presence(): Promise<Map<string, ClinicPresence>> {
    const clinics = await this.clinics.find();
    return new Map(
      clinics.map((clinic) => {
        const seen = this.hub.lastSeen(clinic.id);
        const { dataset, site, numTrain, numTest, nodeVersion } = clinic;
        const presence: ClinicPresence = {
          registration: { dataset, site, numTrain, numTest, nodeVersion, firstRegisteredAt: new Date(clinic.registeredAt).toISOString() },
          connected: this.hub.isConnected(clinic.id),
          lastSeenAt: seen === null ? null : new Date(seen).toISOString(),
        };
        return [clinic.id, presence];
      }),
    );
  }

  /** Connected clinics serving `dataset` as approved, in registration order. */
  async connected(dataset: string): Promise<string[]> {
    const clinics = await this.clinics.find({ where: { id: In(this.hub.connectedClinics()), dataset }, order: { registeredAt: 'ASC', id: 'ASC' } });
    const approvals = await this.approvals.ofClinics(clinics.map((clinic) => clinic.id));
    return clinics.filter((clinic) => registeredAsApproved(clinic, approvals.get(clinic.id))).map((clinic) => clinic.id);
  }
}

/** Refuses a registration for another site than approved, or declaring more records than approved. */
function checkAgainstApproval(registration: ClinicRegistration, approval: ApprovalRecord): void {
  const { clinicId, dataset, site, numTrain, numTest } = registration;
  if (dataset !== approval.dataset || site !== approval.site) {
    throw refuse.denied(`clinic ${clinicId} is approved for ${approval.dataset}/${approval.site}, not ${dataset}/${site}`);
  }
  if (numTrain > approval.numTrain) {
    throw refuse.denied(`clinic ${clinicId} declares ${numTrain} training records; the operator approved at most ${approval.numTrain}`);
  }
  if (numTest > approval.numTest) throw refuse.denied(`clinic ${clinicId} declares ${numTest} test records; the operator approved at most ${approval.numTest}`);
}

/** Whether a registration is within its approval (an approval changed after registering may no longer cover it). */
function registeredAsApproved(clinic: ClinicEntity, approval: ApprovalRecord | undefined): boolean {
  if (!approval) return false;
  return clinic.dataset === approval.dataset && clinic.site === approval.site && clinic.numTrain <= approval.numTrain && clinic.numTest <= approval.numTest;
}
