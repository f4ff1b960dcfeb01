import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { clinicIdProblem } from '../../common/clinic-id.js';
import { checkSite, datasetDescriptor } from '../../common/datasets.js';
import { refuse } from '../../common/errors.js';
import { ClinicEntity } from '../persistence/entities/clinic.entity.js';
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

/**
 * The clinics the coordinator knows: their registrations, and which of them are connected now (a
 * clinic is connected while one of its task streams is open, TaskHub).
 */
@Injectable()
export class ClinicRegistry {
  private readonly logger = new Logger('Federation');

  constructor(
    @InjectRepository(ClinicEntity) private readonly clinics: Repository<ClinicEntity>,
    private readonly hub: TaskHub,
  ) {}

  /** Registers a clinic, or updates its registration (keeping when it first registered). */
  async register(registration: ClinicRegistration): Promise<ClinicEntity> {
    const { clinicId, dataset, site, numTrain, numTest, nodeVersion } = registration;
    const problem = clinicIdProblem(clinicId);
    if (problem) throw refuse.invalid(problem);
    try {
      checkSite(datasetDescriptor(dataset), site);
    } catch (error) {
      throw refuse.invalid((error as Error).message);
    }
    if (numTrain < 1) throw refuse.invalid(`clinic ${clinicId} declares no training records`);
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
    return clinic;
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

  /** Connected clinics serving `dataset`, in registration order. */
  async connected(dataset: string): Promise<string[]> {
    const clinics = await this.clinics.find({ where: { id: In(this.hub.connectedClinics()), dataset }, order: { registeredAt: 'ASC', id: 'ASC' } });
    return clinics.map((clinic) => clinic.id);
  }
}
