import { Logger } from '@nestjs/common';
import { FederationError, refuse } from '../../common/errors.js';
import { parameterCount } from '../../common/model-spec.js';
import { securelyAggregates } from '../../common/privacy-mode.js';
import { secAggRoundId } from '../../wire/secagg-wire.js';
import {
  bytesToWords,
  calibrateNoise,
  DEFAULT_CONVENTION,
  degreeForDropout,
  dequantizeSum,
  fixedPointFor,
  MASKED_INPUT_CODEC,
  type SecAggResult,
} from '../../crypto/index.js';
import type { UpdateHeader } from './update-header.js';
import { studyStrategy, type FitResult } from '../../strategies/index.js';
import type { DpLayer } from './dp-layer.js';
import { PLAIN, type RoundReader } from './plain.js';
import { DEFAULT_SECAGG, type SecAggSettings } from './privacy-settings.js';
import type { SecAggRounds } from './secagg-rounds.js';
import type { SecAggTerms } from './task-extras.js';
import {
  checkHeaderInOrder,
  plainContent,
  type ModelExtras,
  type ModelVersionContent,
  type ProtocolRound,
  type ProtocolStudy,
  type RoundDecider,
  type RoundOutcomes,
  type TrainExtras,
  type UpdateProtocol,
} from './update-protocol.js';

/** What secure aggregation asks of the enrolled clinics and their records. */
export interface SecAggClinics {
  /** Signing keys of the clinics in good standing (enrolled, not revoked). */
  enrolled(): Promise<{ clinicId: string; signPublicKey: Uint8Array }[]>;
  /** Most training records the operator approved for each of these clinics, in their order (0: not approved). */
  trainingRecords(clinicIds: string[]): Promise<number[]>;
  /** Training records each of these clinics registered with (the weight its node masks), in their order. */
  registeredRecords(clinicIds: string[]): Promise<number[]>;
}

/**
 * Secure aggregation (privacy `secagg`, `secagg+dp`): each round runs the protocol's stages
 * (SecAggRounds) among enrolled clinics; the masked inputs are summed as they arrive and only the
 * unmasked sum (Σ weight·update and Σ weight) is ever seen; the strategy's server step then runs on
 * its mean. The session decides the round's end: a round that cannot unmask (fewer than the
 * threshold survived) fails with the reason. Its keys and shares live in memory only, so a round
 * open at a restart runs again as a fresh attempt.
 */
export class SecAggProtocol implements UpdateProtocol {
  readonly transport = 'secagg';
  readonly updateCodec = MASKED_INPUT_CODEC;
  readonly lostAtRestart = 'the coordinator restarted during this secure-aggregation round; its key stages were held in memory and are gone';
  private readonly numParameters: number;
  private readonly settings: SecAggSettings;
  private readonly logger = new Logger('SecAgg');
  /** Clinics already reported as left out for their count, so the operator reads it once per clinic. */
  private readonly reportedOutsized = new Set<string>();

  constructor(
    private readonly study: ProtocolStudy,
    readonly dp: DpLayer,
    private readonly sessions: SecAggRounds,
    private readonly clinics: SecAggClinics,
    private readonly rounds: RoundReader,
  ) {
    if (!study.secagg) throw new Error(`study ${study.id} aggregates securely but holds no secagg settings`);
    this.settings = study.secagg;
    this.numParameters = parameterCount(study.model);
  }

  async expectedBytes(): Promise<number> {
    return 4 * (this.numParameters + 1);
  }

  async readyToStart(): Promise<boolean> {
    return true;
  }

  /**
   * The connected clinics in good standing whose approved record counts fit the fixed-point encoding
   * together (secagg weighs by records; secagg+dp weighs every clinic once). Smallest counts go
   * first, so a clinic approved for an outsized count is left out of the round instead of failing it.
   */
  async eligible(connected: string[]): Promise<string[]> {
    const enrolled = new Set((await this.clinics.enrolled()).map((card) => card.clinicId));
    const candidates = connected.filter((id) => enrolled.has(id));
    if (this.dp.settings) return candidates;
    const records = await this.clinics.trainingRecords(candidates);
    const fitting = weightsThatFit(candidates, records, this.settings.clipRange);
    candidates.forEach((id, i) => {
      if (fitting.includes(id) || this.reportedOutsized.has(id)) return;
      this.reportedOutsized.add(id);
      this.logger.warn(
        `study ${this.study.id}: ${id} is left out of its rounds: its approved ${records[i]} training records do not fit the secure sum's 32-bit encoding beside the others (clip ${this.settings.clipRange})`,
      );
    });
    return fitting;
  }

  /** The coordinator sees the sum and stores plain parameters. */
  async modelExtras(): Promise<ModelExtras> {
    return { codec: PLAIN.name, encryption: null };
  }

  /** Opens the round's protocol session; if it cannot start (bad settings for these clinics), the round fails with the reason. */
  async openRound(round: ProtocolRound, outcomes: RoundOutcomes): Promise<TrainExtras | null> {
    try {
      return this.extras(await this.openSession(round, outcomes));
    } catch (error) {
      if (!(error instanceof FederationError)) throw error;
      await outcomes.fail(round, `secure aggregation cannot start: ${error.message}`);
      return null;
    }
  }

  /** A round takes a clinic only while its attempt waits for adverts, and only once. */
  async rejoin(round: ProtocolRound, clinicId: string): Promise<TrainExtras | null> {
    const terms = this.sessions.awaitsAdvert(roundIdOf(round), clinicId);
    return terms ? this.extras(terms) : null;
  }

  async checkHeader(header: UpdateHeader, round: ProtocolRound): Promise<void> {
    const fields = () => {
      if (header.numSamples !== 0) throw refuse.invalid('a masked input carries its weight inside the masked words: num_samples must be 0');
      if (header.trainLoss !== 0) throw refuse.invalid('under secure aggregation the coordinator learns only the sum: train_loss must not be sent (0)');
    };
    await checkHeaderInOrder(header, round, this, this.numParameters, fields);
    // The protocol's own view: has this clinic shared keys, and not sent its masked input yet?
    this.sessions.checkMaskedInput(roundIdOf(round), header.clinicId, this.numParameters + 1);
  }

  checkPayload(): void {}

  /** A masked input is stored (alone it reveals nothing), then added to the round's secure sum. */
  async accept(header: UpdateHeader, _payload: Uint8Array, round: ProtocolRound): Promise<void> {
    this.sessions.checkMaskedInput(roundIdOf(round), header.clinicId, this.numParameters + 1);
  }

  storeFailed(): void {}

  /** The last masked input closes the stage, and unmasking closes the round. */
  async stored(round: ProtocolRound, clinicId: string, payload: Uint8Array): Promise<RoundDecider> {
    await this.sessions.maskedInput(roundIdOf(round), clinicId, bytesToWords(payload));
    return 'protocol';
  }

  /** The session stops waiting for the clinic's advert. */
  async refused(round: ProtocolRound, clinicId: string): Promise<RoundDecider> {
    await this.sessions.excuse(roundIdOf(round), clinicId);
    return 'protocol';
  }

  /** The masked-input stage closes with what arrived; any earlier stage has run out of time. */
  async deadlinePassed(round: ProtocolRound): Promise<RoundDecider> {
    await this.sessions.deadline(roundIdOf(round));
    return 'protocol';
  }

  buildVersion(round: ProtocolRound): Promise<ModelVersionContent | null> {
    throw new Error(
      `round ${round.number} of study ${round.studyId} is securely aggregated: its version comes from the unmasked sum, never from stored updates`,
    );
  }

  discard(round: ProtocolRound, reason?: string): void {
    this.sessions.discard(roundIdOf(round), reason);
  }

  private extras(terms: SecAggTerms): TrainExtras {
    return { encryption: null, secagg: terms };
  }

  /** The protocol session of a round, and what its clinics need to know of it. */
  private async openSession(round: ProtocolRound, outcomes: RoundOutcomes): Promise<SecAggTerms> {
    const settings = this.settings;
    const n = round.participants.length;
    const degree = Math.min(settings.degree ?? degreeForDropout(n, settings.expectedDropout ?? DEFAULT_SECAGG.expectedDropout), n - 1);
    const threshold = settings.threshold ?? Math.floor(degree / 2) + 1;
    const cards = new Map((await this.clinics.enrolled()).map((card) => [card.clinicId, card.signPublicKey]));
    const records = await this.clinics.trainingRecords(round.participants);
    const stageTimeoutMs = Math.round(settings.stageTimeoutS * 1000);
    const spec: SecAggTerms = {
      threshold,
      degree,
      ...this.fixedPointTerms(records),
      stageTimeoutMs,
      minContributors: this.study.quorum,
      attempt: round.attempt,
    };
    try {
      fixedPointFor(spec.clipRange, spec.maxTotalWeight);
      this.sessions.open(
        {
          round: roundIdOf(round),
          clinics: round.participants,
          degree,
          threshold,
          words: this.numParameters + 1,
          signKeys: new Map(round.participants.map((id) => [id, cards.get(id)!])),
          stageTimeoutMs,
          terms: spec,
        },
        {
          run: (work) => outcomes.run(round.studyId, work),
          finished: (result) => this.unmasked(round, result, spec, outcomes),
          aborted: (reason) => outcomes.fail(round, `secure aggregation aborted: ${reason}`),
        },
      );
    } catch (error) {
      throw refuse.precondition((error as Error).message);
    }
    return spec;
  }

  /**
   * How updates are quantised. secagg: values clipped to the study's range, weighted by record
   * counts. secagg+dp: every clinic counts once (a record count would scale its sensitivity), values
   * bounded by the L2 clip, and the total-weight bound raised so the sum keeps room for the noise
   * (8 standard deviations of the total, with the noise of every participant) within 32 bits.
   */
  fixedPointTerms(records: number[]): { clipRange: number; maxTotalWeight: number } {
    const dp = this.dp.settings;
    if (!dp) return { clipRange: this.settings.clipRange, maxTotalWeight: records.reduce((sum, r) => sum + r, 0) };
    const n = records.length;
    const z = calibrateNoise(dp.targetEpsilon, 1, this.study.rounds, dp.delta, DEFAULT_CONVENTION).noiseMultiplier;
    const totalNoiseInClips = 2 * z * Math.sqrt(n / Math.min(n, this.study.quorum));
    return { clipRange: dp.clipNorm, maxTotalWeight: n + Math.ceil(8 * totalNoiseInClips) };
  }

  /** The round unmasked: its mean update goes through the strategy if enough clinics are in the sum. */
  private async unmasked(round: ProtocolRound, result: SecAggResult, spec: SecAggTerms, outcomes: RoundOutcomes): Promise<void> {
    if (result.survivors.length < this.study.quorum) {
      await outcomes.fail(round, `secure aggregation unmasked ${result.survivors.length} updates, below the quorum of ${this.study.quorum}`);
      return;
    }
    const dropped = result.dropped.length > 0 ? `; ${result.dropped.length} dropped after sharing keys, their masks removed from the survivors' shares` : '';
    const lie = await this.implausibleSum(result, spec);
    if (lie) {
      // One hidden input lied and no one can tell whose: the sum is dropped, the model stays as it was, the study goes on.
      await outcomes.close(round, `closed without a model change: ${lie}${dropped}`, () => this.unchanged(round));
      return;
    }
    await outcomes.close(round, `closed with the secure sum of ${result.survivors.length} updates${dropped}`, () => this.versionOf(round, result, spec));
  }

  /**
   * What no honest set of masked inputs can sum to, or null: a total weight other than the
   * survivors' registered records (secagg+dp: one each), or (secagg) a mean value outside the clip
   * range every honest input was clipped to. Inputs stay hidden, so a liar is caught only this far.
   */
  async implausibleSum(result: SecAggResult, spec: SecAggTerms): Promise<string | null> {
    const n = result.survivors.length;
    const weight = result.sum[result.sum.length - 1]!;
    const expected = this.dp.settings ? n : (await this.clinics.registeredRecords(result.survivors)).reduce((sum, r) => sum + r, 0);
    if (weight !== expected) {
      return `the secure sum's total weight ${weight} is not the ${expected} its ${n} contributors registered: a masked input lied about its weight or held words out of range, and the sum was discarded`;
    }
    if (this.dp.settings) return null;
    const fp = fixedPointFor(spec.clipRange, spec.maxTotalWeight);
    const { values } = dequantizeSum(result.sum, fp);
    // Rounding moves each input by at most half a step: the mean stays within the range plus one step.
    const bound = spec.clipRange + 1 / fp.scale;
    const outside = values.findIndex((value) => !(Math.abs(value) <= bound));
    if (outside >= 0) {
      return `parameter ${outside} of the secure sum's mean is ${values[outside]}, outside the clip range ±${spec.clipRange} every input was clipped to: a masked input held words out of range, and the sum was discarded`;
    }
    return null;
  }

  /** The previous model version's content again, for a round whose sum was discarded. */
  private async unchanged(round: ProtocolRound): Promise<ModelVersionContent> {
    const global = await this.rounds.globalModel(this.study.id, round.number - 1);
    return plainContent(PLAIN.name, global.parameters, global.state);
  }

  /** The strategy's server step on the unmasked weighted mean; null if it diverged. */
  async versionOf(round: ProtocolRound, result: SecAggResult, spec: SecAggTerms): Promise<ModelVersionContent | null> {
    const { values, weight } = dequantizeSum(result.sum, fixedPointFor(spec.clipRange, spec.maxTotalWeight));
    const global = await this.rounds.globalModel(this.study.id, round.number - 1);
    const mean: FitResult = { clinicId: `secure sum of ${result.survivors.length}`, numSamples: weight, delta: Float32Array.from(values) };
    const { parameters, state } = studyStrategy(this.study.strategy, this.study.model).aggregate([mean], global.parameters, global.state);
    return parameters.every(Number.isFinite) ? plainContent(PLAIN.name, parameters, state) : null;
  }
}

function roundIdOf(round: ProtocolRound): string {
  return secAggRoundId(round.studyId, round.number, round.attempt);
}

/** Refuses a secure-aggregation stage call for a study whose updates travel otherwise. */
export function requireSecureAggregation(study: { id: string; privacy: string }): void {
  if (!securelyAggregates(study.privacy)) throw refuse.precondition(`study ${study.id} does not use secure aggregation (privacy "${study.privacy}")`);
}

/**
 * The clinics among `ids` (with `records` in the same order) whose weights sum to a total the
 * fixed-point encoding keeps exact with at least one step per unit (clip x total < 2^31), taken from
 * the smallest count up; the result keeps the order of `ids`. A clinic without records is left out.
 */
export function weightsThatFit(ids: readonly string[], records: readonly number[], clip: number): string[] {
  const bySize = ids.map((id, i) => ({ id, records: records[i]! })).filter((clinic) => clinic.records >= 1);
  bySize.sort((a, b) => a.records - b.records);
  const kept = new Set<string>();
  let total = 0;
  for (const clinic of bySize) {
    if (clip * (total + clinic.records) > 2 ** 31 - 1) break;
    total += clinic.records;
    kept.add(clinic.id);
  }
  return ids.filter((id) => kept.has(id));
}
