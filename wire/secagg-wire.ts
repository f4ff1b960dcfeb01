/**
 * Secure-aggregation messages between their wire form (protos/cohort/v1/federation.proto) and the
 * protocol's own types (crypto/secagg), for the coordinator and the node alike. Conversions from the
 * wire take the round id from the request, never from the sender's say-so, and refuse a share kind
 * they do not know.
 */
import {
  shareValueBytes,
  shareValueFromBytes,
  type KeyAdvert,
  type NeighbourView,
  type SealedShares,
  type ShareKind,
  type SignedShare,
} from '../crypto/index.js';
import type { SecAggAdvert, SecAggAdvert__Output } from '../protos/generated/cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours, SecAggNeighbours__Output } from '../protos/generated/cohort/v1/SecAggNeighbours.js';
import type { SecAggRevealedShare, SecAggRevealedShare__Output } from '../protos/generated/cohort/v1/SecAggRevealedShare.js';
import type { SecAggSealedShares, SecAggSealedShares__Output } from '../protos/generated/cohort/v1/SecAggSealedShares.js';
import { refuse } from '../common/errors.js';

/**
 * The id every secure-aggregation message of a round's attempt is bound to: `<study>#<round>` for
 * attempt 0, `<study>#<round>.<attempt>` for a run of the round after a coordinator restart, so an
 * advert, share or reveal of one attempt never verifies in another.
 */
export function secAggRoundId(studyId: string, round: number, attempt = 0): string {
  return attempt === 0 ? `${studyId}#${round}` : `${studyId}#${round}.${attempt}`;
}

const SHARE_KINDS: readonly ShareKind[] = ['self-mask', 'mask-key'];
const bytes = (buffer: Buffer) => new Uint8Array(buffer);

export function advertToWire(advert: KeyAdvert, studyId: string, round: number, attempt = 0): SecAggAdvert {
  const { channelPublicKey, maskPublicKey, selfMaskCommitment, signature } = advert;
  return { clinicId: advert.clinicId, studyId, round, attempt, channelPublicKey, maskPublicKey, selfMaskCommitment, signature };
}

export function advertFromWire(message: SecAggAdvert__Output, roundId: string): KeyAdvert {
  return {
    round: roundId,
    clinicId: message.clinicId,
    channelPublicKey: bytes(message.channelPublicKey),
    maskPublicKey: bytes(message.maskPublicKey),
    selfMaskCommitment: bytes(message.selfMaskCommitment),
    signature: bytes(message.signature),
  };
}

export function neighboursToWire(view: NeighbourView, studyId: string, round: number, attempt = 0): SecAggNeighbours {
  return {
    point: view.point,
    threshold: view.threshold,
    peers: view.peers.map((peer) => ({ advert: advertToWire(peer.advert, studyId, round, attempt), signPublicKey: peer.signPublicKey, point: peer.point })),
  };
}

export function neighboursFromWire(message: SecAggNeighbours__Output, roundId: string): NeighbourView {
  return {
    point: message.point,
    threshold: message.threshold,
    peers: message.peers.map((peer) => {
      if (!peer.advert) throw new Error('the coordinator sent a neighbour without its advert');
      return { advert: advertFromWire(peer.advert, roundId), signPublicKey: bytes(peer.signPublicKey), point: peer.point };
    }),
  };
}

export function sealedToWire(sealed: SealedShares): SecAggSealedShares {
  return { fromClinicId: sealed.from, toClinicId: sealed.to, nonce: sealed.nonce, box: sealed.box };
}

export function sealedFromWire(message: SecAggSealedShares__Output, roundId: string): SealedShares {
  return { round: roundId, from: message.fromClinicId, to: message.toClinicId, nonce: bytes(message.nonce), box: bytes(message.box) };
}

export function shareToWire(share: SignedShare): SecAggRevealedShare {
  return { dealerClinicId: share.dealer, kind: share.kind, point: share.share.x, value: shareValueBytes(share.share), signature: share.signature };
}

/** A revealed share as its holder (the caller) sent it; malformed fields are refused as INVALID_ARGUMENT. */
export function shareFromWire(message: SecAggRevealedShare__Output, roundId: string, holder: string): SignedShare {
  const kind = SHARE_KINDS.find((k) => k === message.kind);
  if (!kind) throw refuse.invalid(`share of ${message.dealerClinicId}: kind "${message.kind}" is not one of ${SHARE_KINDS.join(', ')}`);
  let y: bigint;
  try {
    y = shareValueFromBytes(bytes(message.value));
  } catch (error) {
    throw refuse.invalid(`share of ${message.dealerClinicId}: ${(error as Error).message}`);
  }
  return { round: roundId, dealer: message.dealerClinicId, holder, kind, share: { x: message.point, y }, signature: bytes(message.signature) };
}
