import {
  accountantRecord,
  calibrateNoise,
  canonicalJson,
  conventionByName,
  DEFAULT_CONVENTION,
  entryHash,
  GENESIS_HASH,
  type AccountantRecord,
  type ConventionName,
  type DistributedGaussianMechanism,
  type DpSgdMechanism,
  type LedgerEntry,
  type LedgerMechanism,
} from '../../crypto/index.js';
import type { DpSpec__Output } from '../../protos/generated/cohort/v1/DpSpec.js';
import type { FederationClient } from '../client/federation-client.js';
import type { DpSgdSettings } from '../training/dp-sgd.js';
import type { LedgerFile } from './ledger-file.js';

/** A clinic's cap on the privacy loss of its patients, over every study trained on its data. */
export interface PrivacyBudget {
  /** Most total epsilon the clinic's ledger may reach. */
  epsilon: number;
  /** The δ every epsilon of the ledger is stated at. */
  delta: number;
  /** Accounting convention (crypto/dp). Default `dp-accounting`. */
  convention?: ConventionName;
}

/** A training task as the guard needs it. */
export interface RoundRequest {
  studyId: string;
  round: number;
  dp: DpSpec__Output | null;
  /** Expected batch size and the round's steps. */
  batchSize: number;
  localSteps: number;
  /**
   * Set for a `secagg+dp` study: no DP-SGD; the clinic clips its whole update and adds its share of
   * the noise before masking, assuming the sum carries the noise of at least `contributors` clinics.
   * `dp.totalSteps` is then the study's rounds.
   */
  distributed?: { contributors: number };
}

/** What a clinic adds to its update in a `secagg+dp` round, before fixed-point encoding and masking. */
export interface DistributedNoiseSettings {
  /** C: the L2 norm the whole update is clipped to. */
  clipNorm: number;
  /** This clinic's share of the noise, per coordinate in update units: z · 2C / √contributors. */
  noiseStd: number;
  /** The fewest clinics whose noise the sum carries, as the share assumes. */
  contributors: number;
}

export type RoundDecision =
  /** Train, with DP-SGD (`dp`) or, for a plain study without a budget, without (`dp: null`, no entry). */
  | { train: true; dp: DpSgdSettings | null; distributed: null; entry: LedgerEntry | null; note?: string }
  /** Train without DP-SGD, clip the update and add `distributed`'s noise share (secagg+dp). */
  | { train: true; dp: null; distributed: DistributedNoiseSettings; entry: LedgerEntry; note?: string }
  | { train: false; reason: string; entry: LedgerEntry };

/**
 * The clinic's privacy policy, enforced before any training: a differentially private round (DP-SGD,
 * or a secagg+dp round's share of distributed noise) is trained only if the clinic's total epsilon,
 * with the round, stays within its cap; the spend is recorded (signed, chained, flushed) before
 * training starts, a refusal likewise. With a budget, rounds of studies that are not differentially
 * private are refused: they would spend without bound.
 */
export class PrivacyGuard {
  private readonly calibrations = new Map<string, number>();
  /**
   * The last decision, until the coordinator has it. If sending it failed (coordinator down), nothing
   * was trained on it, so when the round's task comes back the same decision stands instead of a
   * second spend. After a restart it is gone and the round spends again: the safe side.
   */
  private unsent: { decision: RoundDecision; studyId: string; round: number } | null = null;

  /** How this clinic accounts: its budget's convention, fixed for the node's life. */
  private readonly accountant: AccountantRecord;

  constructor(
    private readonly ledger: LedgerFile,
    private readonly budget: PrivacyBudget | null,
  ) {
    this.accountant = accountantRecord(conventionByName(budget?.convention ?? DEFAULT_CONVENTION));
    if (budget && !(budget.epsilon >= 0 && budget.delta > 0 && budget.delta < 1)) {
      throw new RangeError(`a privacy budget needs epsilon >= 0 and delta in (0, 1), got epsilon ${budget.epsilon}, delta ${budget.delta}`);
    }
  }

  /** What has been spent so far, at the cap's δ (null without a budget). */
  spent(): { epsilon: number; delta: number } | null {
    if (!this.budget) return null;
    return { epsilon: this.ledger.quote(this.accountant, this.budget.delta, null).epsilon, delta: this.budget.delta };
  }

  decide(request: RoundRequest, records: number): RoundDecision {
    if (this.unsent?.studyId === request.studyId && this.unsent.round === request.round) return this.unsent.decision;
    const decision = this.decideAnew(request, records);
    if (decision.entry) this.unsent = { decision, studyId: request.studyId, round: request.round };
    return decision;
  }

  /**
   * The decision this clinic's ledger already holds for a round (its last entry for it), rebuilt from
   * the entry; null if it holds none. For a secure-aggregation round run again after a coordinator
   * restart: its later attempts go under the one decision, no second spend (the node itself refuses
   * a later attempt of a secagg+dp round once it revealed shares in an earlier one).
   */
  recorded(studyId: string, round: number): RoundDecision | null {
    const entry = [...this.ledger.entries()].reverse().find((e) => e.studyId === studyId && e.round === round);
    if (!entry) return null;
    if (entry.kind === 'refusal') return { train: false, reason: entry.reason ?? `round ${round} was refused`, entry };
    const mechanism = entry.mechanism;
    if (!mechanism) return null;
    const { clipNorm, noiseMultiplier } = mechanism;
    if (mechanism.type === 'distributed-gaussian') {
      const { sensitivity, contributors } = mechanism;
      return { train: true, dp: null, distributed: { clipNorm, noiseStd: (noiseMultiplier * sensitivity) / Math.sqrt(contributors), contributors }, entry };
    }
    return { train: true, dp: { clipNorm, noiseMultiplier, samplingRate: mechanism.samplingRate }, distributed: null, entry };
  }

  private decideAnew(request: RoundRequest, records: number): RoundDecision {
    const { accountant, budget } = this;
    const { dp } = request;
    if (!dp) {
      if (!budget) return { train: true, dp: null, distributed: null, entry: null };
      return this.refuse(request, null, `study ${request.studyId} is not differentially private; this clinic's privacy budget admits only DP training`);
    }
    const studyMechanism = request.distributed
      ? this.distributedMechanism(dp, request.distributed.contributors, records)
      : this.dpSgdMechanism(request, dp, records);
    if (!budget) return this.refuse(request, studyMechanism, 'this clinic has no privacy budget configured (cohort node --budget-epsilon E --budget-delta D)');
    const fitted = this.fitToCap(request, studyMechanism, budget);
    if ('refusal' in fitted) return this.refuse(request, studyMechanism, fitted.refusal);
    const { mechanism, note } = fitted;
    const { requested } = this.ledger.quote(accountant, budget.delta, mechanism);
    if (requested! > budget.epsilon) {
      return this.refuse(
        request,
        mechanism,
        `round ${request.round} would bring the total epsilon to ${requested!.toPrecision(6)}, above the cap of ${budget.epsilon} (delta ${budget.delta})`,
      );
    }
    const entry = this.ledger.append({
      kind: 'spend',
      studyId: request.studyId,
      round: request.round,
      mechanism,
      accountant,
      delta: budget.delta,
      capEpsilon: budget.epsilon,
      reason: null,
    });
    const { clipNorm, noiseMultiplier } = mechanism;
    const noted = note === undefined ? {} : { note };
    if (mechanism.type === 'distributed-gaussian') {
      const { sensitivity, contributors } = mechanism;
      const distributed = { clipNorm, noiseStd: (noiseMultiplier * sensitivity) / Math.sqrt(contributors), contributors };
      return { train: true, dp: null, distributed, entry, ...noted };
    }
    return { train: true, dp: { clipNorm, noiseMultiplier, samplingRate: mechanism.samplingRate }, distributed: null, entry, ...noted };
  }

  /**
   * The round's mechanism with the least noise, not below the study's, that lets what remains of the
   * clinic's cap cover this round and every later round of the study (each as this one, the clinic
   * asked in all of them): with a cap below the study's target, more noise from the first round on
   * instead of refusing the last rounds. A refusal when no noise fits (the cap is spent).
   */
  private fitToCap(
    request: RoundRequest,
    mechanism: LedgerMechanism,
    budget: PrivacyBudget,
  ): { mechanism: LedgerMechanism; note?: string } | { refusal: string } {
    const rounds = remainingRounds(request);
    const rest = (noiseMultiplier: number): LedgerMechanism => ({ ...mechanism, noiseMultiplier, steps: mechanism.steps * rounds }) as LedgerMechanism;
    const total = (noiseMultiplier: number) => this.ledger.quote(this.accountant, budget.delta, rest(noiseMultiplier)).requested!;
    if (total(mechanism.noiseMultiplier) <= budget.epsilon) return { mechanism };
    const spent = this.ledger.quote(this.accountant, budget.delta, null).epsilon;
    const most = MAX_NOISE_RAISE * mechanism.noiseMultiplier;
    // A hair inside the cap: the rounds' spends, composed one by one, may round a little above their sum.
    const noiseMultiplier = leastNoiseWithin(total, budget.epsilon * (1 - 1e-9), mechanism.noiseMultiplier, most);
    const left = `the cap of ${budget.epsilon} (delta ${budget.delta}) leaves epsilon ${Math.max(0, budget.epsilon - spent).toPrecision(4)} for the study's ${rounds} remaining round${rounds === 1 ? '' : 's'}`;
    if (noiseMultiplier === null) {
      return {
        refusal: `${left}: even ${MAX_NOISE_RAISE} times the study's noise (multiplier ${most.toPrecision(4)}) would pass it; this clinic sits the study out`,
      };
    }
    const note = `${left}: noise multiplier ${noiseMultiplier.toPrecision(4)} instead of the study's ${mechanism.noiseMultiplier.toPrecision(4)}`;
    return { mechanism: { ...mechanism, noiseMultiplier }, note };
  }

  private dpSgdMechanism(request: RoundRequest, dp: DpSpec__Output, records: number): DpSgdMechanism {
    const samplingRate = Math.min(1, request.batchSize / records);
    return {
      type: 'dp-sgd',
      unit: 'patient',
      relation: 'add-remove',
      sampling: 'poisson',
      samplingRate,
      noiseMultiplier: this.noiseFor(dp, samplingRate),
      clipNorm: dp.clipNorm,
      steps: request.localSteps,
      records,
    };
  }

  /** A secagg+dp round: z calibrated so the study's `totalSteps` rounds, each one unsampled Gaussian release, meet its target. */
  private distributedMechanism(dp: DpSpec__Output, contributors: number, records: number): DistributedGaussianMechanism {
    if (!(Number.isInteger(contributors) && contributors >= 1))
      throw new RangeError(`a secagg+dp round needs contributors to be a whole number >= 1, got ${contributors}`);
    return {
      type: 'distributed-gaussian',
      unit: 'patient',
      relation: 'add-remove',
      noiseMultiplier: this.noiseFor(dp, 1),
      clipNorm: dp.clipNorm,
      sensitivity: 2 * dp.clipNorm,
      contributors,
      steps: 1,
      records,
    };
  }

  /** Sends the coordinator the entries its copy lacks; refuses to if its copy is not a prefix of ours. */
  async sync(client: FederationClient, clinicId: string): Promise<number> {
    const ours = this.ledger.entries();
    const head = await client.getLedgerHead(clinicId);
    const ourHashAtHead = head.entries === 0 ? GENESIS_HASH : ours[head.entries - 1] && entryHash(ours[head.entries - 1]!);
    if (head.entries > ours.length || ourHashAtHead !== head.headHash) {
      throw new Error(
        `the coordinator's copy of ${clinicId}'s privacy ledger (${head.entries} entries) is not a prefix of the local ledger (${ours.length} entries): is this node using the right ledger file?`,
      );
    }
    const missing = ours.slice(head.entries);
    for (let i = 0; i < missing.length; i += 1000) {
      await client.appendLedgerEntries(
        clinicId,
        missing.slice(i, i + 1000).map((entry) => canonicalJson(entry)),
      );
    }
    this.unsent = null;
    return missing.length;
  }

  private refuse(request: RoundRequest, mechanism: LedgerMechanism | null, reason: string): RoundDecision {
    const delta = this.budget?.delta ?? request.dp!.delta;
    const entry = this.ledger.append({
      kind: 'refusal',
      studyId: request.studyId,
      round: request.round,
      mechanism,
      accountant: this.accountant,
      delta,
      capEpsilon: this.budget?.epsilon ?? 0,
      reason,
    });
    return { train: false, reason, entry };
  }

  /** The study's noise multiplier for this clinic: the smallest that keeps the whole study within its target. */
  private noiseFor(dp: DpSpec__Output, samplingRate: number): number {
    const key = JSON.stringify([dp.targetEpsilon, dp.delta, dp.totalSteps, samplingRate, this.budget?.convention]);
    let z = this.calibrations.get(key);
    if (z === undefined) {
      z = calibrateNoise(dp.targetEpsilon, samplingRate, dp.totalSteps, dp.delta, this.budget?.convention ?? DEFAULT_CONVENTION).noiseMultiplier;
      this.calibrations.set(key, z);
    }
    return z;
  }
}

/**
 * The most a clinic raises the study's noise to fit its cap: beyond ten times the noise the study
 * was calibrated for, its updates would be mostly noise, spending budget for nothing.
 */
export const MAX_NOISE_RAISE = 10;

/**
 * Rounds of the study from this one to its last, as its DP terms count them: `totalSteps` is its
 * rounds times the local steps for DP-SGD, its rounds for secagg+dp (one release each).
 */
export function remainingRounds(request: RoundRequest): number {
  const { dp, round } = request;
  const perRound = request.distributed ? 1 : request.localSteps;
  const rounds = Math.round(dp!.totalSteps / perRound);
  return Math.max(1, rounds - round + 1);
}

/**
 * The least noise multiplier in (`from`, `most`] whose `total` epsilon (falling as the noise grows)
 * stays within `cap`, by bisection to a relative 1e-6 on the safe side; null when `most` does not.
 */
export function leastNoiseWithin(total: (noiseMultiplier: number) => number, cap: number, from: number, most: number): number | null {
  if (total(most) > cap) return null;
  let low = from;
  let high = most;
  while (high - low > 1e-6 * high) {
    const middle = (low + high) / 2;
    if (total(middle) > cap) low = middle;
    else high = middle;
  }
  return high;
}
