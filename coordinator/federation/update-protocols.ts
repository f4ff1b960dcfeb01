import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ClinicApprovals } from '../clinics/clinic-approvals.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { KeysService } from '../keys/keys.service.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { ModelVersionEntity } from '../persistence/entities/model-version.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { EncryptedAggregates, type RoundKey } from '../protocols/encrypted-aggregates.js';
import { protocolFor, type ProtocolDependencies } from '../protocols/protocol-for.js';
import { SecAggRounds } from '../protocols/secagg-rounds.js';
import { unpackState, type PlainModel, type ProtocolStudy, type StoredUpdate, type UpdateProtocol } from '../protocols/update-protocol.js';

/** The coordinator's protocols over its database, keys, ledgers and in-memory round state. */
@Injectable()
export class UpdateProtocols {
  private readonly deps: ProtocolDependencies;

  constructor(
    @InjectRepository(ReceivedUpdateEntity) updates: Repository<ReceivedUpdateEntity>,
    @InjectRepository(ModelVersionEntity) models: Repository<ModelVersionEntity>,
    approvals: ClinicApprovals,
    registry: ClinicRegistry,
    keys: KeysService,
    ledger: LedgerService,
    sums: EncryptedAggregates,
    private readonly sessions: SecAggRounds,
  ) {
    this.deps = {
      rounds: {
        async globalModel(studyId: string, version: number): Promise<PlainModel> {
          const model = await models.findOneByOrFail({ studyId, version });
          return { parameters: model.parameters!, state: unpackState(model) };
        },
        async updatesByClinic(studyId: string, round: number): Promise<StoredUpdate[]> {
          return updates.find({ where: { studyId, round }, order: { clinicId: 'ASC' } });
        },
      },
      async storedPayloads({ studyId, round }: RoundKey): Promise<Uint8Array[]> {
        const rows = await updates.find({ where: { studyId, round }, order: { receivedAt: 'ASC', clinicId: 'ASC' }, select: ['payload'] });
        return rows.map((row) => row.payload);
      },
      keys,
      clinics: {
        enrolled: () => keys.enrolled(),
        async trainingRecords(ids: string[]): Promise<number[]> {
          const approved = await approvals.ofClinics(ids);
          return ids.map((id) => approved.get(id)?.numTrain ?? 0);
        },
        async registeredRecords(ids: string[]): Promise<number[]> {
          const registered = new Map((await registry.withIds(ids)).map((clinic) => [clinic.id, clinic.numTrain]));
          return ids.map((id) => registered.get(id) ?? 0);
        },
      },
      ledger,
      sums,
      sessions,
    };
  }

  for(study: ProtocolStudy): UpdateProtocol {
    return protocolFor(study, this.deps);
  }

  /** Ends every secure-aggregation session: clinics waiting at a stage are told the coordinator is stopping. */
  discardAll(): void {
    this.sessions.discardAll();
  }
}
