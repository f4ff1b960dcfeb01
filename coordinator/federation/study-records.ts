import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import { plainFloat32Codec } from '../../crypto/index.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { UpdateProtocols } from './update-protocols.js';

const PLAIN = plainFloat32Codec;

/** What clinics download and auditors read of a study's records: model versions, its error, who contributed where. */
@Injectable()
export class StudyRecords {
  constructor(
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    private readonly protocols: UpdateProtocols,
  ) {}

  /**
   * A model version as bytes for download: plain float32, or for encrypted studies after version 0
   * (the public initial model) the stored ciphertext sum.
   */
  async modelBytes(studyId: string, version: number): Promise<{ study: StudyEntity; bytes: Uint8Array; codec: string; keyId: string }> {
    const study = await this.studies.findOneBy({ id: studyId });
    if (!study) throw refuse.notFound(`study "${studyId}" does not exist`);
    const model = await this.models.findOneBy({ studyId, version });
    if (!model) throw refuse.notFound(`study ${studyId} has no model version ${version} (yet)`);
    if (model.payload) return { study, bytes: model.payload, codec: model.codec, keyId: model.keyId ?? '' };
    return { study, bytes: PLAIN.encode(model.parameters!), codec: PLAIN.name, keyId: '' };
  }

  async studyError(studyId: string): Promise<string | null> {
    return (await this.studies.findOneBy({ id: studyId }))?.error ?? null;
  }

  /** The rounds of differentially private studies this clinic sent updates to: each needs a spend in its ledger. */
  async privateContributions(clinicId: string): Promise<{ studyId: string; round: number }[]> {
    const rows = await this.updates.find({ where: { clinicId }, select: ['studyId', 'round'], order: { studyId: 'ASC', round: 'ASC' } });
    const privateStudies = new Set(
      (await this.studies.findBy({ id: In([...new Set(rows.map((r) => r.studyId))]) })).filter((s) => this.protocols.for(s).dp.spendsBudget).map((s) => s.id),
    );
    return rows.filter((row) => privateStudies.has(row.studyId)).map(({ studyId, round }) => ({ studyId, round }));
  }
}
