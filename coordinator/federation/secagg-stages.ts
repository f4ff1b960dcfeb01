import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import { advertFromWire, neighboursToWire, sealedFromWire, sealedToWire, secAggRoundId, shareFromWire } from '../../wire/secagg-wire.js';
import type { SecAggAdvert__Output } from '../../protos/generated/cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours } from '../../protos/generated/cohort/v1/SecAggNeighbours.js';
import type { SecAggReveal__Output } from '../../protos/generated/cohort/v1/SecAggReveal.js';
import type { SecAggShareDelivery } from '../../protos/generated/cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest__Output } from '../../protos/generated/cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggStageRequest__Output } from '../../protos/generated/cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask } from '../../protos/generated/cohort/v1/SecAggUnmask.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { requireSecureAggregation } from '../protocols/secagg.js';
import { SecAggRounds } from '../protocols/secagg-rounds.js';

/**
 * The secure-aggregation stage calls of clinics (adverts, shares, unmasking), as wire messages:
 * each finds its round's session and answers when its stage closes (SecAggRounds).
 */
@Injectable()
export class SecAggStages {
  constructor(
    private readonly registry: ClinicRegistry,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
    @InjectRepository(RoundEntity) private readonly rounds: Repository<RoundEntity>,
    private readonly sessions: SecAggRounds,
  ) {}

  /** Stage 1: a clinic's key advert; answers with its neighbours' once the stage closes. */
  async advertise(request: SecAggAdvert__Output): Promise<SecAggNeighbours> {
    const roundId = await this.roundOf(request);
    const view = await this.sessions.advertise(roundId, advertFromWire(request, roundId));
    return neighboursToWire(view, request.studyId, request.round, request.attempt);
  }

  /** Stage 2: a clinic's sealed shares; answers with those sealed to it once the stage closes. */
  async shareKeys(request: SecAggShareKeysRequest__Output): Promise<SecAggShareDelivery> {
    const roundId = await this.roundOf(request);
    const delivered = await this.sessions.shareKeys(
      roundId,
      request.clinicId,
      request.shares.map((box) => sealedFromWire(box, roundId)),
    );
    return { shares: delivered.map(sealedToWire) };
  }

  /** Stage 4: the shares a clinic is to reveal, once the masked inputs are in. */
  async unmaskRequest(request: SecAggStageRequest__Output): Promise<SecAggUnmask> {
    const roundId = await this.roundOf(request);
    const { survivors, dropped } = await this.sessions.unmaskRequest(roundId, request.clinicId);
    return { survivors: [...survivors], dropped: [...dropped] };
  }

  /** Stage 4: a clinic's revealed shares. */
  async revealShares(request: SecAggReveal__Output): Promise<number> {
    const roundId = await this.roundOf(request);
    return this.sessions.reveal(
      roundId,
      request.clinicId,
      request.shares.map((share) => shareFromWire(share, roundId, request.clinicId)),
    );
  }

  /** The round a stage message is for: a registered clinic, a securely aggregated study, an open round in the message's attempt. */
  private async roundOf({ clinicId, studyId, round: number, attempt }: { clinicId: string; studyId: string; round: number; attempt: number }): Promise<string> {
    await this.registry.requireClinic(clinicId);
    const study = await this.studies.findOneBy({ id: studyId });
    if (!study) throw refuse.notFound(`study "${studyId}" does not exist`);
    requireSecureAggregation(study);
    const round = await this.rounds.findOneBy({ studyId, number });
    if (!round) throw refuse.notFound(`study ${studyId} has no round ${number}`);
    if (round.status !== 'open') throw refuse.precondition(`round ${number} of study ${studyId} is ${round.status}`);
    if (attempt !== round.attempt) {
      // A clinic still in an attempt that a coordinator restart ended: the round moved on without it.
      throw refuse.precondition(`round ${number} of study ${studyId} is in attempt ${round.attempt}; attempt ${attempt} is over (the coordinator restarted)`);
    }
    return secAggRoundId(studyId, number, round.attempt);
  }
}
