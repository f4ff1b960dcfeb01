import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import type { UpdateHeader } from '../protocols/update-header.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { ReceivedUpdateEntity } from '../persistence/entities/received-update.entity.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { asRefusal, RoundMachines } from '../rounds/round-machines.js';
import { UpdateProtocols } from './update-protocols.js';

/** An asked clinic's update refused for what it claimed: the round stops waiting for it (RoundRunner.onRejection). */
export interface UpdateRejection {
  studyId: string;
  round: number;
  clinicId: string;
  reason: string;
}

/**
 * Checks uploads before anything is stored: the header alone, before any payload is read, and
 * again inside the study's queue whether the round still takes the clinic's update. What depends
 * on the privacy mode (fields, size, ledger spend, the protocol's own state) the study's protocol checks.
 */
@Injectable()
export class UploadValidator {
  private readonly logger = new Logger('Federation');
  private readonly rejectionSubject = new Subject<UpdateRejection>();
  /** Updates refused for what the clinic claimed, while its round was open and waiting for it. */
  readonly rejections$ = this.rejectionSubject.asObservable();

  constructor(
    private readonly registry: ClinicRegistry,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    @InjectRepository(ReceivedUpdateEntity) private readonly updates: Repository<ReceivedUpdateEntity>,
    private readonly protocols: UpdateProtocols,
    private readonly machines: RoundMachines,
  ) {}

  /**
   * First checks on an upload, from its header alone: who sends (approved, declaring no more
   * samples than approved), for which round, and exactly how many bytes the update must have.
   * Answers `{ alreadyStored }` (the round's update count) when the header declares the very update
   * this clinic already sent for the round (same SHA-256): a resend after a lost acknowledgement, to
   * be acknowledged unread. An update declaring more samples than approved, for a round waiting for
   * it, is also a rejection (`rejections$`): the round does not wait for the liar until its deadline.
   */
  async checkHeader(header: UpdateHeader): Promise<{ alreadyStored: number } | null> {
    const { approval } = await this.registry.requireApproved(header.clinicId);
    if (header.numSamples > approval.numTrain) {
      const reason = `update from ${header.clinicId} declares ${header.numSamples} training samples; the operator approved at most ${approval.numTrain} for ${approval.dataset}/${approval.site}`;
      await this.rejectIfAwaited(header, reason);
      throw refuse.invalid(reason);
    }
    const study = await this.studies.findOneBy({ id: header.studyId });
    if (!study) throw refuse.notFound(`study "${header.studyId}" does not exist`);
    const round = await this.rounds.findOneBy({ studyId: study.id, number: header.round });
    if (!round) throw refuse.notFound(`study ${study.id} has no round ${header.round}`);
    const resent = await this.roundAccepts(study, round, header.clinicId, Buffer.from(header.sha256).toString('hex'));
    if (resent !== null) {
      this.logger.log(`study ${study.id} round ${round.number}: update from ${header.clinicId} sent again, already stored: acknowledged, counted once`);
      return { alreadyStored: resent };
    }
    if (header.modelVersion !== round.number - 1) {
      throw refuse.precondition(
        `round ${round.number} trains from model version ${round.number - 1}, the update was trained from version ${header.modelVersion}`,
      );
    }
    const protocol = this.protocols.for(study);
    if (header.codec !== protocol.updateCodec) {
      throw refuse.invalid(`study ${study.id} expects updates encoded as ${protocol.updateCodec}, got "${header.codec}"`);
    }
    await protocol.checkHeader(header, round);
    return null;
  }

  /** Announces a rejection when the header's round is open and still waiting for this clinic's update. */
  private async rejectIfAwaited(header: UpdateHeader, reason: string): Promise<void> {
    const study = await this.studies.findOneBy({ id: header.studyId });
    const round = study && (await this.rounds.findOneBy({ studyId: study.id, number: header.round }));
    if (!study || !round) return;
    if (!(await this.machines.of(study, round)).waitingFor().includes(header.clinicId)) return;
    this.rejectionSubject.next({ studyId: study.id, round: round.number, clinicId: header.clinicId, reason });
  }

  /**
   * Null when the round takes this clinic's update (its RoundMachine says it is open, asked the clinic,
   * and holds no update from it yet). The round's update count when the clinic's stored update has this very digest: the
   * same update sent again after its acknowledgement was lost, counted once. Otherwise a refusal.
   */
  async roundAccepts(study: StudyEntity, round: RoundEntity, clinicId: string, digest: string): Promise<number | null> {
    const where = { studyId: study.id, round: round.number };
    const stored = await this.updates.findOne({ where: { ...where, clinicId }, select: ['studyId', 'round', 'clinicId', 'sha256'] });
    if (stored?.sha256 === digest) return this.updates.countBy(where);
    try {
      // The round machine alone decides whether a round takes an answer: ended, not asked, or a second update.
      (await this.machines.of(study, round)).checkUpdate(clinicId);
    } catch (error) {
      throw asRefusal(error);
    }
    return null;
  }
}
