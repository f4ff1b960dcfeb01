import nacl from 'tweetnacl';
import { signDetached, verifyDetached, type ClinicIdentity } from '../identity/index.js';
import { shareValueBytes, shareValueFromBytes, type Share } from './shamir.js';

/**
 * The two messages of SecAgg that carry keys: a clinic's signed key advert (two fresh X25519 keys
 * for this round: one to seal shares, one for pairwise masks), and its shares for one neighbour,
 * sealed to that neighbour and bound to the round and both clinics, so the coordinator relays them
 * without being able to read, swap or replay them.
 */
export interface KeyAdvert {
  round: string;
  clinicId: string;
  channelPublicKey: Uint8Array;
  maskPublicKey: Uint8Array;
  /** Ed25519 by the clinic's long-term identity. */
  signature: Uint8Array;
}

export interface AdvertSecrets {
  channel: nacl.BoxKeyPair;
  mask: nacl.BoxKeyPair;
}

export class SecAggError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecAggError';
  }
}

const encoder = new TextEncoder();

function advertStatement(round: string, clinicId: string, channel: Uint8Array, mask: Uint8Array): Uint8Array {
  return new Uint8Array(Buffer.concat([encoder.encode(`cohort/secagg/advert/v1\0${round}\0${clinicId}\0`), channel, mask]));
}

export function createAdvert(identity: ClinicIdentity, round: string): { advert: KeyAdvert; secrets: AdvertSecrets } {
  const secrets = { channel: nacl.box.keyPair(), mask: nacl.box.keyPair() };
  const statement = advertStatement(round, identity.clinicId, secrets.channel.publicKey, secrets.mask.publicKey);
  return {
    advert: { round, clinicId: identity.clinicId, channelPublicKey: secrets.channel.publicKey, maskPublicKey: secrets.mask.publicKey, signature: signDetached(identity, statement) },
    secrets,
  };
}

/** Refuses an advert for another round or not signed by the clinic's enrolled key. */
export function verifyAdvert(advert: KeyAdvert, signPublicKey: Uint8Array, round: string): void {
  if (advert.round !== round) throw new SecAggError(`key advert of ${advert.clinicId} is for round ${advert.round}, not ${round} (replayed?)`);
  if (advert.channelPublicKey.length !== 32 || advert.maskPublicKey.length !== 32) throw new SecAggError(`key advert of ${advert.clinicId}: keys must be 32 bytes`);
  const statement = advertStatement(advert.round, advert.clinicId, advert.channelPublicKey, advert.maskPublicKey);
  if (!verifyDetached(statement, advert.signature, signPublicKey)) throw new SecAggError(`key advert of ${advert.clinicId}: signature does not verify with its enrolled key`);
}

/** A clinic's two shares for one neighbour: of its self-mask seed and of its mask secret key. */
export interface SharePair {
  selfMask: Share;
  maskKey: Share;
}

export interface SealedShares {
  round: string;
  from: string;
  to: string;
  nonce: Uint8Array;
  box: Uint8Array;
}

function shareHeader(round: string, from: string, to: string): Uint8Array {
  return encoder.encode(`cohort/secagg/shares/v1\0${round}\0${from}\0${to}\0`);
}

/** Seals both shares to the recipient's channel key (X25519 + XSalsa20-Poly1305), binding round and both ids. */
export function sealShares(round: string, from: string, own: AdvertSecrets, to: KeyAdvert, pair: SharePair): SealedShares {
  if (pair.selfMask.x !== pair.maskKey.x) throw new SecAggError('both shares for one neighbour are taken at the same point');
  const header = shareHeader(round, from, to.clinicId);
  const point = Buffer.alloc(4);
  point.writeUInt32BE(pair.selfMask.x);
  const plaintext = new Uint8Array(Buffer.concat([header, point, shareValueBytes(pair.selfMask), shareValueBytes(pair.maskKey)]));
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  return { round, from, to: to.clinicId, nonce, box: nacl.box(plaintext, nonce, to.channelPublicKey, own.channel.secretKey) };
}

/** Opens shares sealed to this clinic; refuses any that fail authentication or name another round or pair. */
export function openShares(sealed: SealedShares, own: AdvertSecrets, ownId: string, sender: KeyAdvert, round: string): SharePair {
  const what = `shares from ${sealed.from} to ${sealed.to}`;
  if (sealed.round !== round) throw new SecAggError(`${what} are for round ${sealed.round}, not ${round} (replayed?)`);
  if (sealed.to !== ownId || sealed.from !== sender.clinicId) throw new SecAggError(`${what} were not sealed by ${sender.clinicId} to ${ownId}`);
  const plaintext = nacl.box.open(sealed.box, sealed.nonce, sender.channelPublicKey, own.channel.secretKey);
  if (!plaintext) throw new SecAggError(`${what} do not verify: altered, or not sealed with ${sender.clinicId}'s advertised key`);
  const header = shareHeader(round, sealed.from, ownId);
  if (plaintext.length !== header.length + 4 + 132 || !Buffer.from(plaintext.subarray(0, header.length)).equals(Buffer.from(header))) {
    throw new SecAggError(`${what} are bound to another round or pair of clinics`);
  }
  const x = Buffer.from(plaintext).readUInt32BE(header.length);
  const body = plaintext.subarray(header.length + 4);
  return { selfMask: { x, y: shareValueFromBytes(body.subarray(0, 66)) }, maskKey: { x, y: shareValueFromBytes(body.subarray(66)) } };
}
