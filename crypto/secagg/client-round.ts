import type { ClinicIdentity } from '../identity/index.js';
import { maskInput, pairwiseMaskKey } from './masks.js';
import {
  createAdvert,
  openShares,
  sealShares,
  SecAggError,
  signShare,
  verifyAdvert,
  type AdvertSecrets,
  type KeyAdvert,
  type SealedShares,
  type SharePair,
  type SignedShare,
} from './messages.js';
import { splitSecret } from './shamir.js';

/** What the coordinator tells a clinic after the advert stage: its neighbours and where shares sit. */
export interface NeighbourView {
  /** The point at which this clinic holds its neighbours' shares. */
  point: number;
  /** Shares needed to reconstruct a secret. */
  threshold: number;
  /** Neighbours that advertised keys, each with its enrolled signing key and share point. */
  peers: readonly { advert: KeyAdvert; signPublicKey: Uint8Array; point: number }[];
}

/** The coordinator's request after the masked-input stage: which neighbours sent their masked input. */
export interface UnmaskRequest {
  /** Their self masks come off: reveal the self-mask shares held of them. */
  survivors: readonly string[];
  /** They dropped after sharing keys: reveal the mask-key shares held of them. */
  dropped: readonly string[];
}

/**
 * One clinic's side of a secure-aggregation round (Bonawitz et al. 2017, semi-honest rounds 0-2 and
 * 4, on SecAgg+'s neighbour graph). Each method is one stage and refuses to run out of order. The
 * clinic enforces its own safety whatever the coordinator says: a threshold above half its
 * neighbours, adverts and shares signed by the enrolled keys, and for each neighbour at most one
 * kind of share revealed, once. With 2t > k and one kind per holder, no one who collects what
 * holders reveal can have t shares of both secrets of any clinic.
 */
export class SecAggClient {
  readonly advert: KeyAdvert;
  private readonly secrets: AdvertSecrets;
  private view: NeighbourView | null = null;
  /** Shares this clinic holds, by dealer: only from neighbours that completed the share stage. */
  private readonly held = new Map<string, SharePair>();
  private stage: 'advertised' | 'shared' | 'received' | 'masked' | 'revealed' = 'advertised';

  constructor(
    private readonly identity: ClinicIdentity,
    readonly round: string,
  ) {
    ({ advert: this.advert, secrets: this.secrets } = createAdvert(identity, round));
  }

  get clinicId(): string {
    return this.identity.clinicId;
  }

  /** Stage 1: checks the neighbours' adverts and seals each its two signed shares. */
  shareKeys(view: NeighbourView): SealedShares[] {
    this.advance('advertised', 'shared', 'share keys');
    const ids = view.peers.map((p) => p.advert.clinicId);
    if (ids.length === 0) throw new SecAggError(`round ${this.round}: the coordinator named no neighbours`);
    if (new Set(ids).size !== ids.length || ids.includes(this.clinicId))
      throw new SecAggError(`round ${this.round}: the neighbour list repeats a clinic or names this one`);
    const points = [view.point, ...view.peers.map((p) => p.point)];
    if (new Set(points).size !== points.length || !points.every((x) => Number.isInteger(x) && x >= 1 && x < 2 ** 32)) {
      throw new SecAggError(`round ${this.round}: share points must be distinct whole numbers in 1..2^32-1`);
    }
    const k = ids.length;
    if (!(Number.isInteger(view.threshold) && 2 * view.threshold > k && view.threshold <= k)) {
      throw new SecAggError(
        `round ${this.round}: threshold ${view.threshold} for ${k} neighbours refused: it must be more than half of them (so no one can gather both kinds of shares of a clinic) and at most all`,
      );
    }
    for (const peer of view.peers) verifyAdvert(peer.advert, peer.signPublicKey, this.round);
    this.view = view;
    const holderPoints = view.peers.map((p) => p.point);
    const selfShares = splitSecret(this.secrets.selfMaskSeed, view.threshold, holderPoints);
    const keyShares = splitSecret(this.secrets.mask.secretKey, view.threshold, holderPoints);
    return view.peers.map((peer, i) => {
      const holder = peer.advert.clinicId;
      const pair = {
        selfMask: signShare(this.identity, { round: this.round, holder, kind: 'self-mask', share: selfShares[i]! }),
        maskKey: signShare(this.identity, { round: this.round, holder, kind: 'mask-key', share: keyShares[i]! }),
      };
      return sealShares(this.secrets, peer.advert, pair);
    });
  }

  /** Stage 2: opens the shares neighbours sealed to this clinic; their senders are the neighbours it masks with. */
  receiveShares(sealed: readonly SealedShares[]): void {
    this.advance('shared', 'received', 'receive shares');
    const view = this.view!;
    const opened = new Map<string, SharePair>();
    for (const box of sealed) {
      const peer = view.peers.find((p) => p.advert.clinicId === box.from);
      if (!peer) throw new SecAggError(`round ${this.round}: shares from ${box.from}, which is not a neighbour of ${this.clinicId}`);
      if (opened.has(box.from)) throw new SecAggError(`round ${this.round}: two sets of shares from ${box.from}`);
      const pair = openShares(box, this.secrets, this.clinicId, peer.advert, peer.signPublicKey, this.round);
      if (pair.selfMask.share.x !== view.point)
        throw new SecAggError(`round ${this.round}: shares from ${box.from} are at point ${pair.selfMask.share.x}, this clinic holds point ${view.point}`);
      opened.set(box.from, pair);
    }
    opened.forEach((pair, dealer) => this.held.set(dealer, pair));
  }

  /** Stage 3: the input plus the self mask plus the signed pairwise mask with every neighbour that shared keys. */
  maskInput(input: Uint32Array): Uint32Array {
    this.advance('received', 'masked', 'mask its input');
    const peers = this.view!.peers.filter((p) => this.held.has(p.advert.clinicId));
    const pairwise = peers.map((p) => ({
      peerId: p.advert.clinicId,
      key: pairwiseMaskKey(this.round, this.clinicId, this.secrets.mask.secretKey, p.advert.clinicId, p.advert.maskPublicKey),
    }));
    return maskInput(input, this.secrets.selfMaskSeed, this.clinicId, pairwise);
  }

  /**
   * Stage 4: the shares the coordinator needs, once: of each surviving neighbour its self-mask share,
   * of each dropped one its mask-key share. A request naming a neighbour in both lists, one this
   * clinic holds no shares of, or too few survivors to unmask, is refused and nothing is revealed.
   */
  reveal(request: UnmaskRequest): SignedShare[] {
    const both = request.survivors.filter((id) => request.dropped.includes(id));
    if (both.length > 0)
      throw new SecAggError(
        `round ${this.round}: the coordinator asked ${this.clinicId} for both kinds of shares of ${both.join(', ')}: refused, nothing revealed`,
      );
    for (const id of [...request.survivors, ...request.dropped]) {
      if (!this.held.has(id)) throw new SecAggError(`round ${this.round}: ${this.clinicId} holds no shares of ${id}: refused, nothing revealed`);
    }
    if (new Set(request.survivors).size !== request.survivors.length || new Set(request.dropped).size !== request.dropped.length) {
      throw new SecAggError(`round ${this.round}: the unmask request names a clinic twice: refused, nothing revealed`);
    }
    if (request.survivors.length + 1 < this.view!.threshold) {
      throw new SecAggError(
        `round ${this.round}: only ${request.survivors.length} neighbours of ${this.clinicId} survive, fewer than the threshold ${this.view!.threshold}: refused, nothing revealed`,
      );
    }
    this.advance('masked', 'revealed', 'reveal shares');
    return [...request.survivors.map((id) => this.held.get(id)!.selfMask), ...request.dropped.map((id) => this.held.get(id)!.maskKey)];
  }

  private advance(from: typeof this.stage, to: typeof this.stage, what: string): void {
    if (this.stage !== from) throw new SecAggError(`round ${this.round}: ${this.clinicId} cannot ${what} now (its round is at stage "${this.stage}")`);
    this.stage = to;
  }
}
