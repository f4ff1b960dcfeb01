import { equalBytes, x25519PublicKey } from '../identity/index.js';
import { applyMask, pairwiseMaskKey, pairwiseSign } from './masks.js';
import {
  commitToSeed,
  SEAL_NONCE_BYTES,
  SEALED_SHARES_BYTES,
  SecAggError,
  verifyAdvert,
  verifyShare,
  type KeyAdvert,
  type SealedShares,
  type SignedShare,
} from './messages.js';
import { neighbourGraph } from './neighbours.js';
import type { NeighbourView, UnmaskRequest } from './client-round.js';
import { combineShares } from './shamir.js';

/** A secure-aggregation round as the coordinator plans it. */
export interface SecAggRoundPlan {
  /** Binds every message to this round, e.g. `<study id>#<round>`. */
  round: string;
  /** The selected clinics in the announced random order; the clinic at index i holds shares at point i + 1. */
  order: readonly string[];
  /** Neighbours per clinic (SecAgg+); n - 1 or more joins every pair. */
  degree: number;
  /** Shares needed to reconstruct a secret: more than half of the degree. */
  threshold: number;
  /** Length of every masked input in words (the update and its weight). */
  words: number;
  /** The selected clinics' enrolled Ed25519 keys. */
  signKeys: ReadonlyMap<string, Uint8Array>;
}

export type SecAggStage = 'advertising' | 'sharing' | 'masking' | 'unmasking' | 'done';

/** How a refusal maps onto the transport: who may not send, what came at the wrong time, what is malformed, and a round that cannot finish. */
export type SecAggRefusal = 'not-selected' | 'wrong-stage' | 'duplicate' | 'invalid' | 'aborted';

export class SecAggRoundError extends SecAggError {
  constructor(
    message: string,
    readonly refusal: SecAggRefusal,
  ) {
    super(message);
    this.name = 'SecAggRoundError';
  }
}

/** The unmasked sum, and who is in it. */
export interface SecAggResult {
  /** Σ of the survivors' inputs, mod 2^32. */
  sum: Uint32Array;
  /** Clinics whose masked input is in the sum. */
  survivors: string[];
  /** Clinics that shared keys but sent no masked input: their pairwise masks were removed from their secrets. */
  dropped: string[];
}

/**
 * The coordinator's side of a secure-aggregation round, pure and in memory: it checks and relays
 * adverts and sealed shares, sums masked inputs as they arrive (memory holds one sum), tells each
 * survivor which shares to reveal and unmasks. Every message is checked completely before anything
 * of it is kept, so a refused message changes nothing. Each `close…` ends a stage with the clinics
 * that answered, and throws (refusal `aborted`) when fewer than the threshold survive where needed.
 */
export class SecAggServer {
  private stageNow: SecAggStage = 'advertising';
  private readonly graph: Map<string, string[]>;
  private readonly points: Map<string, number>;
  private readonly adverts = new Map<string, KeyAdvert>();
  private readonly sealed = new Map<string, SealedShares[]>();
  private readonly masked = new Set<string>();
  private readonly revealed = new Map<string, SignedShare[]>();
  private readonly requests = new Map<string, UnmaskRequest>();
  private advertised = new Set<string>();
  private shared = new Set<string>();
  private sum: Uint32Array;

  constructor(private readonly plan: SecAggRoundPlan) {
    const { order, threshold, degree } = plan;
    const k = Math.min(degree, order.length - 1);
    if (order.length < 3)
      throw new SecAggRoundError(
        `secure aggregation needs at least 3 clinics (with 2, each learns the other's update from the sum), got ${order.length}`,
        'aborted',
      );
    if (!(Number.isInteger(threshold) && 2 * threshold > k && threshold <= k)) {
      throw new SecAggRoundError(`threshold ${threshold} must be more than half of the ${k} neighbours and at most all of them`, 'aborted');
    }
    for (const id of order) if (!plan.signKeys.has(id)) throw new SecAggRoundError(`clinic ${id} has no enrolled signing key`, 'aborted');
    this.graph = neighbourGraph(order, degree);
    this.points = new Map(order.map((id, i) => [id, i + 1]));
    this.sum = new Uint32Array(plan.words);
  }

  get stage(): SecAggStage {
    return this.stageNow;
  }

  neighbours(clinicId: string): readonly string[] {
    return this.graph.get(clinicId) ?? [];
  }

  /** Clinics the current stage still waits for. */
  waitingFor(): string[] {
    const pending = (members: Iterable<string>, answered: { has(id: string): boolean }) => [...members].filter((id) => !answered.has(id));
    switch (this.stageNow) {
      case 'advertising':
        return pending(this.plan.order, this.adverts);
      case 'sharing':
        return pending(this.advertised, this.sealed);
      case 'masking':
        return pending(this.shared, this.masked);
      case 'unmasking':
        return pending(this.masked, this.revealed);
      case 'done':
        return [];
    }
  }

  // ---- stage 1: adverts ------------------------------------------------------------------------

  advertise(advert: KeyAdvert): void {
    const id = advert.clinicId;
    this.expect('advertising', id, 'a key advert', this.plan.order);
    if (this.adverts.has(id)) throw new SecAggRoundError(`clinic ${id} already advertised its keys for round ${this.plan.round}`, 'duplicate');
    verifyInput(() => verifyAdvert(advert, this.plan.signKeys.get(id)!, this.plan.round));
    this.adverts.set(id, advert);
  }

  /** Ends the advert stage: each clinic with enough advertised neighbours learns them. */
  closeAdvertising(): Map<string, NeighbourView> {
    this.expectStage('advertising');
    this.advertised = this.connected(new Set(this.adverts.keys()), 'advertised keys');
    this.stageNow = 'sharing';
    return new Map(
      [...this.advertised].map((id) => [
        id,
        {
          point: this.points.get(id)!,
          threshold: this.plan.threshold,
          peers: this.neighbours(id)
            .filter((peer) => this.advertised.has(peer))
            .map((peer) => ({ advert: this.adverts.get(peer)!, signPublicKey: this.plan.signKeys.get(peer)!, point: this.points.get(peer)! })),
        },
      ]),
    );
  }

  // ---- stage 2: sealed shares ------------------------------------------------------------------

  /** A clinic's sealed shares: exactly one for each neighbour that advertised, for this round. */
  shareKeys(from: string, boxes: readonly SealedShares[]): void {
    this.expect('sharing', from, 'shares', this.advertised);
    if (this.sealed.has(from)) throw new SecAggRoundError(`clinic ${from} already sent its shares for round ${this.plan.round}`, 'duplicate');
    const due = this.neighbours(from).filter((peer) => this.advertised.has(peer));
    for (const box of boxes) {
      const what = `shares from ${box.from} to ${box.to}`;
      if (box.round !== this.plan.round) throw new SecAggRoundError(`${what} are for round ${box.round}, not ${this.plan.round} (replayed?)`, 'invalid');
      if (box.from !== from) throw new SecAggRoundError(`${what} were sent by ${from}`, 'invalid');
      if (!due.includes(box.to)) throw new SecAggRoundError(`${what}: ${box.to} is not an advertised neighbour of ${from}`, 'invalid');
      if (box.nonce.length !== SEAL_NONCE_BYTES || box.box.length !== SEALED_SHARES_BYTES) throw new SecAggRoundError(`${what} are malformed`, 'invalid');
    }
    const recipients = new Set(boxes.map((b) => b.to));
    if (recipients.size !== boxes.length || recipients.size !== due.length) {
      throw new SecAggRoundError(
        `clinic ${from} must send one set of shares to each of its ${due.length} advertised neighbours, sent ${boxes.length} to ${recipients.size}`,
        'invalid',
      );
    }
    this.sealed.set(from, [...boxes]);
  }

  /** Ends the share stage: each clinic that shared (with enough neighbours that shared) gets the shares sealed to it. */
  closeSharing(): Map<string, SealedShares[]> {
    this.expectStage('sharing');
    this.shared = this.connected(new Set([...this.sealed.keys()].filter((id) => this.advertised.has(id))), 'shared keys');
    this.stageNow = 'masking';
    const deliveries = new Map<string, SealedShares[]>([...this.shared].map((id) => [id, []]));
    for (const from of this.shared) for (const box of this.sealed.get(from)!) deliveries.get(box.to)?.push(box);
    this.sealed.clear();
    return deliveries;
  }

  // ---- stage 3: masked inputs ------------------------------------------------------------------

  /** Refuses, before anything is read or stored, a masked input this round would not take. */
  checkMaskedInput(from: string, words: number): void {
    this.expect('masking', from, 'a masked input', this.shared);
    if (this.masked.has(from)) throw new SecAggRoundError(`clinic ${from} already sent its masked input for round ${this.plan.round}`, 'duplicate');
    if (words !== this.plan.words)
      throw new SecAggRoundError(`the masked input of ${from} has ${words} words, the round expects ${this.plan.words}`, 'invalid');
  }

  /** Adds a clinic's masked input to the running sum. */
  maskedInput(from: string, words: Uint32Array): void {
    this.checkMaskedInput(from, words.length);
    for (let i = 0; i < words.length; i++) this.sum[i] = (this.sum[i]! + words[i]!) >>> 0;
    this.masked.add(from);
  }

  /** Ends the masked-input stage: the unmask request of each clinic in the sum. */
  closeMasking(): Map<string, UnmaskRequest> {
    this.expectStage('masking');
    const dropped = [...this.shared].filter((id) => !this.masked.has(id));
    if (this.masked.size === 0) throw new SecAggRoundError(`round ${this.plan.round}: no clinic sent its masked input`, 'aborted');
    for (const id of [...this.masked, ...dropped]) {
      const alive = this.neighbours(id).filter((peer) => this.masked.has(peer)).length;
      if (alive < this.plan.threshold) {
        throw new SecAggRoundError(
          `round ${this.plan.round}: only ${alive} neighbours of ${id} sent masked input, fewer than the threshold ${this.plan.threshold}: its ${this.masked.has(id) ? 'self mask' : 'pairwise masks'} cannot be removed`,
          'aborted',
        );
      }
    }
    this.stageNow = 'unmasking';
    for (const id of this.masked) {
      const peers = this.neighbours(id).filter((peer) => this.shared.has(peer));
      this.requests.set(id, { survivors: peers.filter((p) => this.masked.has(p)), dropped: peers.filter((p) => !this.masked.has(p)) });
    }
    return new Map(this.requests);
  }

  // ---- stage 4: unmasking ----------------------------------------------------------------------

  /**
   * A survivor's revealed shares: exactly the ones its request named, each signed by its dealer for
   * this round, this holder and its point. Anything else (both kinds of one clinic, a share of the
   * wrong kind, a forged or foreign share) refuses the whole message and nothing of it is kept.
   */
  reveal(from: string, shares: readonly SignedShare[]): void {
    this.expect('unmasking', from, 'shares to unmask with', this.masked);
    if (this.revealed.has(from)) throw new SecAggRoundError(`clinic ${from} already revealed its shares for round ${this.plan.round}`, 'duplicate');
    const request = this.requests.get(from)!;
    const kinds = new Map<string, string>();
    for (const share of shares) {
      const seen = kinds.get(share.dealer);
      if (seen !== undefined) {
        throw new SecAggRoundError(
          seen === share.kind
            ? `clinic ${from} revealed two ${share.kind} shares of ${share.dealer}`
            : `clinic ${from} revealed both kinds of shares of ${share.dealer}: refused, none of its shares are used`,
          'invalid',
        );
      }
      kinds.set(share.dealer, share.kind);
    }
    const want = new Map<string, string>([
      ...request.survivors.map((id) => [id, 'self-mask'] as const),
      ...request.dropped.map((id) => [id, 'mask-key'] as const),
    ]);
    for (const share of shares) {
      const kind = want.get(share.dealer);
      if (!kind) throw new SecAggRoundError(`clinic ${from} revealed a share of ${share.dealer}, which its unmask request did not name`, 'invalid');
      if (kind !== share.kind)
        throw new SecAggRoundError(`clinic ${from} revealed the ${share.kind} share of ${share.dealer}; only its ${kind} share may be revealed`, 'invalid');
      if (share.round !== this.plan.round)
        throw new SecAggRoundError(
          `the share of ${share.dealer} revealed by ${from} is for round ${share.round}, not ${this.plan.round} (replayed?)`,
          'invalid',
        );
      if (share.holder !== from || share.share.x !== this.points.get(from))
        throw new SecAggRoundError(
          `the share of ${share.dealer} revealed by ${from} was dealt to ${share.holder} at point ${share.share.x}, not to ${from}`,
          'invalid',
        );
      verifyInput(() => verifyShare(share, this.plan.signKeys.get(share.dealer)!));
    }
    if (kinds.size !== want.size) throw new SecAggRoundError(`clinic ${from} revealed ${kinds.size} shares, its unmask request named ${want.size}`, 'invalid');
    this.revealed.set(from, [...shares]);
  }

  /** Ends the round: reconstructs each survivor's self-mask seed and each dropped clinic's mask key, and removes their masks. */
  unmask(): SecAggResult {
    this.expectStage('unmasking');
    const sharesOf = (dealer: string, kind: string) =>
      [...this.revealed.values()].flatMap((list) => list.filter((s) => s.dealer === dealer && s.kind === kind).map((s) => s.share));
    const reconstruct = (dealer: string, kind: 'self-mask' | 'mask-key') => {
      const shares = sharesOf(dealer, kind);
      if (shares.length < this.plan.threshold) {
        throw new SecAggRoundError(
          `round ${this.plan.round}: ${shares.length} ${kind} shares of ${dealer} were revealed, the threshold is ${this.plan.threshold}`,
          'aborted',
        );
      }
      return combineShares(shares, this.plan.threshold);
    };
    const survivors = [...this.masked];
    const dropped = [...this.shared].filter((id) => !this.masked.has(id));
    // Everything is reconstructed and checked before the sum is touched: a failure leaves nothing half-unmasked.
    const seeds = survivors.map((id) => {
      const seed = reconstruct(id, 'self-mask');
      if (!equalBytes(commitToSeed(seed), this.adverts.get(id)!.selfMaskCommitment))
        throw new SecAggRoundError(`round ${this.plan.round}: the self-mask shares of ${id} do not match its advert: it dealt inconsistent shares`, 'aborted');
      return seed;
    });
    const maskKeys = dropped.map((id) => {
      const secretKey = reconstruct(id, 'mask-key');
      if (!equalBytes(x25519PublicKey(secretKey), this.adverts.get(id)!.maskPublicKey))
        throw new SecAggRoundError(`round ${this.plan.round}: the mask-key shares of ${id} do not match its advert: it dealt inconsistent shares`, 'aborted');
      return secretKey;
    });
    const sum = this.sum;
    for (const seed of seeds) applyMask(sum, seed, -1);
    dropped.forEach((id, i) => {
      for (const peer of this.neighbours(id).filter((p) => this.masked.has(p))) {
        // The survivor added its pairwise mask with the dropped clinic; take it off.
        const key = pairwiseMaskKey(this.plan.round, id, maskKeys[i]!, peer, this.adverts.get(peer)!.maskPublicKey);
        applyMask(sum, key, pairwiseSign(peer, id) === 1 ? -1 : 1);
      }
    });
    this.stageNow = 'done';
    return { sum, survivors, dropped };
  }

  // ---- plumbing --------------------------------------------------------------------------------

  /** Drops, repeatedly, clinics with fewer than `threshold` neighbours among `members`: their secrets could not be reconstructed. */
  private connected(members: Set<string>, what: string): Set<string> {
    let pruned = true;
    while (pruned) {
      pruned = false;
      for (const id of members) {
        if (this.neighbours(id).filter((peer) => members.has(peer)).length < this.plan.threshold) {
          members.delete(id);
          pruned = true;
        }
      }
    }
    if (members.size === 0) {
      throw new SecAggRoundError(
        `round ${this.plan.round}: too few clinics ${what}: none has at least ${this.plan.threshold} neighbours (the threshold) that did too`,
        'aborted',
      );
    }
    return members;
  }

  private expect(stage: SecAggStage, clinicId: string, what: string, members: Iterable<string>): void {
    if (!this.plan.order.includes(clinicId)) throw new SecAggRoundError(`clinic ${clinicId} was not selected for round ${this.plan.round}`, 'not-selected');
    if (this.stageNow !== stage) throw new SecAggRoundError(`round ${this.plan.round} takes no ${what} now: it is at stage "${this.stageNow}"`, 'wrong-stage');
    if (![...members].includes(clinicId))
      throw new SecAggRoundError(`clinic ${clinicId} dropped out of round ${this.plan.round} at an earlier stage: it takes no ${what} from it`, 'wrong-stage');
  }

  private expectStage(stage: SecAggStage): void {
    if (this.stageNow !== stage) throw new SecAggRoundError(`round ${this.plan.round} is at stage "${this.stageNow}", not "${stage}"`, 'wrong-stage');
  }
}

/** Runs a check that throws SecAggError on bad input, as an `invalid` refusal. */
function verifyInput(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof SecAggError) throw new SecAggRoundError(error.message, 'invalid');
    throw error;
  }
}
