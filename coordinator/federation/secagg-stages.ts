import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import type { KeyAdvert, NeighbourView, SealedShares, SignedShare } from '../../crypto/index.js';
import { secAggRoundId } from '../../wire/secagg-wire.js';
import { ClinicRegistry } from '../clinics/clinic-registry.js';
import { RoundEntity } from '../persistence/entities/round.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { requireSecureAggregation } from '../protocols/secagg.js';
import { SecAggRounds } from '../protocols/secagg-rounds.js';

/** Who calls a secure-aggregation stage, for which round and which attempt of it. */
export interface StageCall {
  readonly clinicId: string;
  readonly studyId: string;
  readonly round: number;
  /** The attempt the clinic is in: a coordinator restart starts the round's next attempt. */
  readonly attempt: number;
}

/** The session id of the round attempt a stage call names: what the call's adverts, boxes and shares are bound to. */
export function stageRoundId(call: StageCall): string {
  return secAggRoundId(call.studyId, call.round, call.attempt);
}

/**
 * The secure-aggregation stage calls of clinics (adverts, shares, unmasking): each checks that its
 * round is open in the call's attempt, then answers when its stage closes (SecAggRounds).
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
  async advertise(call: StageCall, advert: KeyAdvert): Promise<NeighbourView> {
    return this.sessions.advertise(await this.roundOf(call), advert);
  }

  /** Stage 2: a clinic's sealed shares; answers with those sealed to it once the stage closes. */
  async shareKeys(call: StageCall, boxes: readonly SealedShares[]): Promise<SealedShares[]> {
    return this.sessions.shareKeys(await this.roundOf(call), call.clinicId, boxes);
  }

  /** Stage 4: the clinics whose shares the caller is to reveal, once the masked inputs are in. */
  async unmaskRequest(call: StageCall): Promise<{ survivors: string[]; dropped: string[] }> {
    const { survivors, dropped } = await this.sessions.unmaskRequest(await this.roundOf(call), call.clinicId);
    return { survivors: [...survivors], dropped: [...dropped] };
  }

  /** Stage 4: a clinic's revealed shares; answers how many the round holds. */
  async revealShares(call: StageCall, shares: readonly SignedShare[]): Promise<number> {
    return this.sessions.reveal(await this.roundOf(call), call.clinicId, shares);
  }

  /** The round a stage call is for: a registered clinic, a securely aggregated study, an open round in the call's attempt. */
  private async roundOf(call: StageCall): Promise<string> {
    const { clinicId, studyId, round: number, attempt } = call;
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
    // Equal to the round's own id now that the attempt matched: the id the call's content was bound to.
    return stageRoundId(call);
  }
}
