import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { refuse, type FederationError } from '../../common/errors.js';
import { LedgerService } from '../ledger/ledger.service.js';
import { AuditEventEntity } from '../persistence/entities/audit-event.entity.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import type { RoundEntity } from '../persistence/entities/round.entity.js';
import type { StudyEntity } from '../persistence/entities/study.entity.js';
import { RoundMachine, RoundMachineError } from './round-machine.js';

/** Rebuilds a round's machine from what the database holds, so every question about a round's answers has one answerer. */
@Injectable()
export class RoundMachines {
  constructor(
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    @InjectRepository(AuditEventEntity) private readonly audit: Repository<AuditEventEntity>,
    private readonly ledger: LedgerService,
  ) {}

  /** The round's machine as stored: its state and attempt, its updates, the refusals in its clinics' ledgers, and its rejected updates. */
  async of(study: StudyEntity, round: RoundEntity): Promise<RoundMachine> {
    const updates = (await this.updates.find({ where: { studyId: study.id, round: round.number }, select: ['clinicId'] })).map((u) => u.clinicId);
    const refusals = await this.ledger.refusedBy(study.id, round.number);
    const rejected = await this.audit.find({ where: { studyId: study.id, round: round.number, type: 'update-rejected' }, select: ['clinicId'] });
    const rejections = rejected.flatMap(({ clinicId }) => (clinicId === null ? [] : [clinicId]));
    const plan = { number: round.number, participants: round.participants, quorum: study.quorum, studyId: study.id };
    return RoundMachine.resume(plan, { state: round.status, attempt: round.attempt, updates, refusals, rejections });
  }
}

/** A round machine's refusal as clinics hear it; anything else is passed on unchanged. */
export function asRefusal(error: unknown): unknown {
  if (!(error instanceof RoundMachineError)) return error;
  const byKind: Record<RoundMachineError['refusal'], (message: string) => FederationError> = {
    ended: refuse.precondition,
    'not-asked': refuse.denied,
    duplicate: refuse.duplicate,
  };
  return byKind[error.refusal](error.message);
}
