import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { signDetached, verifyDetached, x25519, x25519KeyPair, type ClinicIdentity } from '../identity/index.js';
import { shareValueBytes, shareValueFromBytes, type Share } from './shamir.js';

/**
 * The messages of SecAgg that carry keys and shares: a clinic's signed key advert (two fresh X25519
 * keys for this round, one to seal shares and one for pairwise masks, and a commitment to its
 * self-mask seed), and its shares for one neighbour, each share signed by its dealer and both sealed
 * to that neighbour, bound to the round and both clinics. The coordinator relays what it cannot read,
 * cannot swap a key or share without a signature failing, and can check every share it is later
 * shown (and every secret it reconstructs) against the dealer's enrolled key and advert.
 */
export interface KeyAdvert {
  round: string;
  clinicId: string;
  channelPublicKey: Uint8Array;
  maskPublicKey: Uint8Array;
  /** sha256 of the clinic's self-mask seed: the coordinator checks the seed it reconstructs against it. */
  selfMaskCommitment: Uint8Array;
  /** Ed25519 by the clinic's long-term identity. */
  signature: Uint8Array;
}

/** What only the advertising clinic knows: its two key pairs and its self-mask seed. */
export interface AdvertSecrets {
  channel: X25519KeyPair;
  mask: X25519KeyPair;
  selfMaskSeed: Uint8Array;
}

export interface X25519KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export class SecAggError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecAggError';
  }
}

const encoder = new TextEncoder();
const SIGNATURE_BYTES = 64;
const SHARE_VALUE_BYTES = 66;
const POINT_BYTES = 4;
const TAG_BYTES = 16;
/** The random nonce of a sealed share pair (ChaCha20-Poly1305). */
export const SEAL_NONCE_BYTES = 12;
/** The size of a sealed share pair: the point, two share values with their signatures, and the tag. */
export const SEALED_SHARES_BYTES = POINT_BYTES + 2 * (SHARE_VALUE_BYTES + SIGNATURE_BYTES) + TAG_BYTES;

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function advertStatement(advert: Omit<KeyAdvert, 'signature'>): Uint8Array {
  return concatBytes(
    encoder.encode(`cohort/secagg/advert/v1\0${advert.round}\0${advert.clinicId}\0`),
    advert.channelPublicKey,
    advert.maskPublicKey,
    advert.selfMaskCommitment,
  );
}

export function commitToSeed(seed: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('cohort/secagg/self-mask/v1\0').update(seed).digest());
}

export function createAdvert(identity: ClinicIdentity, round: string): { advert: KeyAdvert; secrets: AdvertSecrets } {
  const secrets = { channel: x25519KeyPair(), mask: x25519KeyPair(), selfMaskSeed: new Uint8Array(randomBytes(32)) };
  const unsigned = {
    round,
    clinicId: identity.clinicId,
    channelPublicKey: secrets.channel.publicKey,
    maskPublicKey: secrets.mask.publicKey,
    selfMaskCommitment: commitToSeed(secrets.selfMaskSeed),
  };
  return { advert: { ...unsigned, signature: signDetached(identity, advertStatement(unsigned)) }, secrets };
}

/** Refuses an advert for another round or not signed by the clinic's enrolled key. */
export function verifyAdvert(advert: KeyAdvert, signPublicKey: Uint8Array, round: string): void {
  if (advert.round !== round) throw new SecAggError(`key advert of ${advert.clinicId} is for round ${advert.round}, not ${round} (replayed?)`);
  if (advert.channelPublicKey.length !== 32 || advert.maskPublicKey.length !== 32 || advert.selfMaskCommitment.length !== 32) {
    throw new SecAggError(`key advert of ${advert.clinicId}: keys and commitment must be 32 bytes each`);
  }
  if (!verifyDetached(advertStatement(advert), advert.signature, signPublicKey))
    throw new SecAggError(`key advert of ${advert.clinicId}: signature does not verify with its enrolled key`);
}

/** Which secret a share is of: the self-mask seed, or the secret key of the pairwise mask key pair. */
export type ShareKind = 'self-mask' | 'mask-key';

/** One share as its holder keeps it: signed by the dealer for this round, holder and kind. */
export interface SignedShare {
  round: string;
  dealer: string;
  holder: string;
  kind: ShareKind;
  share: Share;
  /** Ed25519 by the dealer over all of the above. */
  signature: Uint8Array;
}

function shareStatement(s: Omit<SignedShare, 'signature'>): Uint8Array {
  const point = Buffer.alloc(4);
  point.writeUInt32BE(s.share.x);
  return concatBytes(encoder.encode(`cohort/secagg/share/v1\0${s.round}\0${s.dealer}\0${s.holder}\0${s.kind}\0`), point, shareValueBytes(s.share));
}

export function signShare(identity: ClinicIdentity, unsigned: Omit<SignedShare, 'signature' | 'dealer'>): SignedShare {
  const share = { ...unsigned, dealer: identity.clinicId };
  return { ...share, signature: signDetached(identity, shareStatement(share)) };
}

/** Refuses a share not signed by its dealer's enrolled key for exactly this round, holder, kind and point. */
export function verifyShare(s: SignedShare, dealerSignPublicKey: Uint8Array): void {
  if (!verifyDetached(shareStatement(s), s.signature, dealerSignPublicKey)) {
    throw new SecAggError(`the ${s.kind} share of ${s.dealer} held by ${s.holder} does not verify: not signed by ${s.dealer} for this round, holder and point`);
  }
}

/** A clinic's two shares for one neighbour. */
export interface SharePair {
  selfMask: SignedShare;
  maskKey: SignedShare;
}

export interface SealedShares {
  round: string;
  from: string;
  to: string;
  nonce: Uint8Array;
  box: Uint8Array;
}

/**
 * The key a pair of clinics seals shares with for one round and direction: X25519 of their channel
 * keys, hashed with the round and both ids (so a box cannot be replayed into another round or pair).
 */
function sealKey(round: string, from: string, to: string, ownSecretKey: Uint8Array, peerPublicKey: Uint8Array): Buffer {
  return createHash('sha256').update(`cohort/secagg/shares/v1\0${round}\0${from}\0${to}\0`).update(x25519(ownSecretKey, peerPublicKey)).digest();
}

/** Seals both signed shares to the recipient's channel key (X25519, then ChaCha20-Poly1305), binding round and both ids. */
export function sealShares(own: AdvertSecrets, to: KeyAdvert, pair: SharePair): SealedShares {
  const { round, dealer: from, holder } = pair.selfMask;
  if (pair.selfMask.share.x !== pair.maskKey.share.x || holder !== to.clinicId || pair.maskKey.holder !== holder) {
    throw new SecAggError('both shares for one neighbour are for that neighbour, at the same point');
  }
  const point = Buffer.alloc(POINT_BYTES);
  point.writeUInt32BE(pair.selfMask.share.x);
  const nonce = randomBytes(SEAL_NONCE_BYTES);
  const cipher = createCipheriv('chacha20-poly1305', sealKey(round, from, holder, own.channel.secretKey, to.channelPublicKey), nonce, {
    authTagLength: TAG_BYTES,
  });
  const body = cipher.update(
    concatBytes(point, shareValueBytes(pair.selfMask.share), pair.selfMask.signature, shareValueBytes(pair.maskKey.share), pair.maskKey.signature),
  );
  return { round, from, to: holder, nonce: new Uint8Array(nonce), box: concatBytes(body, cipher.final(), cipher.getAuthTag()) };
}

/**
 * Opens shares sealed to this clinic and checks the dealer's signature on each; refuses any that
 * fail authentication, name another round or pair, or were not signed by the sender.
 */
export function openShares(
  sealed: SealedShares,
  own: AdvertSecrets,
  ownId: string,
  sender: KeyAdvert,
  senderSignPublicKey: Uint8Array,
  round: string,
): SharePair {
  const what = `shares from ${sealed.from} to ${sealed.to}`;
  if (sealed.round !== round) throw new SecAggError(`${what} are for round ${sealed.round}, not ${round} (replayed?)`);
  if (sealed.to !== ownId || sealed.from !== sender.clinicId) throw new SecAggError(`${what} were not sealed by ${sender.clinicId} to ${ownId}`);
  if (sealed.box.length !== SEALED_SHARES_BYTES || sealed.nonce.length !== SEAL_NONCE_BYTES)
    throw new SecAggError(`${what} are malformed: ${sealed.box.length} bytes with a ${sealed.nonce.length}-byte nonce`);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('chacha20-poly1305', sealKey(round, sealed.from, ownId, own.channel.secretKey, sender.channelPublicKey), sealed.nonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(sealed.box.subarray(-TAG_BYTES));
    plaintext = Buffer.concat([decipher.update(sealed.box.subarray(0, -TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SecAggError(`${what} do not verify: altered, or not sealed with ${sender.clinicId}'s advertised key for this round`);
  }
  const x = plaintext.readUInt32BE(0);
  const read = (offset: number, kind: ShareKind): SignedShare => {
    const at = POINT_BYTES + offset;
    const share: SignedShare = {
      round,
      dealer: sealed.from,
      holder: ownId,
      kind,
      share: { x, y: shareValueFromBytes(plaintext.subarray(at, at + SHARE_VALUE_BYTES)) },
      signature: new Uint8Array(plaintext.subarray(at + SHARE_VALUE_BYTES, at + SHARE_VALUE_BYTES + SIGNATURE_BYTES)),
    };
    verifyShare(share, senderSignPublicKey);
    return share;
  };
  return { selfMask: read(0, 'self-mask'), maskKey: read(SHARE_VALUE_BYTES + SIGNATURE_BYTES, 'mask-key') };
}
