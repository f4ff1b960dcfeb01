import { beforeEach, describe, expect, it } from '@jest/globals';
import { createDecipheriv, createHash } from 'node:crypto';
import { createIdentity, verifyDetached, x25519, type ClinicIdentity } from '../identity/index.js';
import {
  commitToSeed,
  createAdvert,
  openShares,
  SEAL_NONCE_BYTES,
  SEALED_SHARES_BYTES,
  sealShares,
  SecAggError,
  signShare,
  verifyAdvert,
  verifyShare,
  type AdvertSecrets,
  type KeyAdvert,
  type SharePair,
} from './messages.js';
import { shareValueBytes, splitSecret } from './shamir.js';

// The byte formats below are what clinics and the coordinator of different versions must agree on:
// each statement, commitment and seal key is rebuilt here from its documented layout.

const round = 'study-7#2';
const utf8 = (text: string) => new TextEncoder().encode(text);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

let alice: ClinicIdentity;
let bob: ClinicIdentity;
let a: { advert: KeyAdvert; secrets: AdvertSecrets };
let b: { advert: KeyAdvert; secrets: AdvertSecrets };
let pair: SharePair;

beforeEach(() => {
  alice = createIdentity('alice');
  bob = createIdentity('bob');
  a = createAdvert(alice, round);
  b = createAdvert(bob, round);
  const [selfMask] = splitSecret(a.secrets.selfMaskSeed, 2, [9, 3]);
  const [maskKey] = splitSecret(a.secrets.mask.secretKey, 2, [9, 3]);
  pair = {
    selfMask: signShare(alice, { round, holder: 'bob', kind: 'self-mask', share: selfMask! }),
    maskKey: signShare(alice, { round, holder: 'bob', kind: 'mask-key', share: maskKey! }),
  };
});

describe('SecAgg message formats', () => {
  it('sizes: a 12-byte nonce, and a sealed pair of point, two values, two signatures and a tag', () => {
    expect(SEAL_NONCE_BYTES).toBe(12);
    expect(SEALED_SHARES_BYTES).toBe(4 + 2 * (66 + 64) + 16);
    expect(new SecAggError('x').name).toBe('SecAggError');
  });

  it('an advert carries fresh 32-byte keys and the seed commitment, signed over context, round, id and keys', () => {
    const { advert, secrets } = a;
    expect(advert).toMatchObject({ round, clinicId: 'alice' });
    expect(advert.channelPublicKey).toHaveLength(32);
    expect(advert.channelPublicKey).not.toEqual(advert.maskPublicKey);
    expect(Buffer.from(advert.selfMaskCommitment)).toEqual(createHash('sha256').update('cohort/secagg/self-mask/v1\0').update(secrets.selfMaskSeed).digest());
    expect(commitToSeed(secrets.selfMaskSeed)).toEqual(advert.selfMaskCommitment);
    const statement = concat(utf8(`cohort/secagg/advert/v1\0${round}\0alice\0`), advert.channelPublicKey, advert.maskPublicKey, advert.selfMaskCommitment);
    expect(verifyDetached(statement, advert.signature, alice.signing.publicKey)).toBe(true);
    expect(createAdvert(alice, round).secrets.selfMaskSeed).not.toEqual(secrets.selfMaskSeed);
  });

  it('refuses an advert with a key or commitment of the wrong size, each named', () => {
    for (const field of ['channelPublicKey', 'maskPublicKey', 'selfMaskCommitment'] as const) {
      const short = { ...a.advert, [field]: a.advert[field].subarray(0, 31) };
      expect(() => verifyAdvert(short, alice.signing.publicKey, round)).toThrow(
        new SecAggError('key advert of alice: keys and commitment must be 32 bytes each'),
      );
    }
    expect(() => verifyAdvert({ ...a.advert, round: 'other' }, alice.signing.publicKey, 'other')).toThrow(
      new SecAggError('key advert of alice: signature does not verify with its enrolled key'),
    );
    expect(() => verifyAdvert(a.advert, alice.signing.publicKey, round)).not.toThrow();
  });

  it('a share is signed over context, round, dealer, holder, kind, the point (4 bytes) and the value (66 bytes)', () => {
    const share = pair.maskKey;
    expect(share).toMatchObject({ round, dealer: 'alice', holder: 'bob', kind: 'mask-key' });
    const point = Buffer.alloc(4);
    point.writeUInt32BE(share.share.x);
    const statement = concat(utf8(`cohort/secagg/share/v1\0${round}\0alice\0bob\0mask-key\0`), point, shareValueBytes(share.share));
    expect(verifyDetached(statement, share.signature, alice.signing.publicKey)).toBe(true);
    expect(() => verifyShare(share, alice.signing.publicKey)).not.toThrow();
    expect(() => verifyShare({ ...share, kind: 'self-mask' }, alice.signing.publicKey)).toThrow(
      new SecAggError('the self-mask share of alice held by bob does not verify: not signed by alice for this round, holder and point'),
    );
    expect(() => verifyShare({ ...share, share: { ...share.share, x: 10 } }, alice.signing.publicKey)).toThrow(SecAggError);
  });

  it('seals with ChaCha20-Poly1305 under sha256(context, round, from, to, X25519 point): point, value, signature, value, signature', () => {
    const sealed = sealShares(a.secrets, b.advert, pair);
    expect(sealed).toMatchObject({ round, from: 'alice', to: 'bob' });
    expect(sealed.nonce).toHaveLength(SEAL_NONCE_BYTES);
    expect(sealed.box).toHaveLength(SEALED_SHARES_BYTES);
    const key = createHash('sha256')
      .update(`cohort/secagg/shares/v1\0${round}\0alice\0bob\0`)
      .update(x25519(b.secrets.channel.secretKey, a.advert.channelPublicKey))
      .digest();
    const decipher = createDecipheriv('chacha20-poly1305', key, sealed.nonce, { authTagLength: 16 });
    decipher.setAuthTag(sealed.box.subarray(-16));
    const plain = Buffer.concat([decipher.update(sealed.box.subarray(0, -16)), decipher.final()]);
    expect(plain.readUInt32BE(0)).toBe(9);
    expect(new Uint8Array(plain.subarray(4, 70))).toEqual(shareValueBytes(pair.selfMask.share));
    expect(new Uint8Array(plain.subarray(70, 134))).toEqual(pair.selfMask.signature);
    expect(new Uint8Array(plain.subarray(134, 200))).toEqual(shareValueBytes(pair.maskKey.share));
    expect(new Uint8Array(plain.subarray(200, 264))).toEqual(pair.maskKey.signature);
    expect(sealShares(a.secrets, b.advert, pair).nonce).not.toEqual(sealed.nonce);
  });

  it('refuses to seal two shares that are not both for that neighbour at one point', () => {
    const message = new SecAggError('both shares for one neighbour are for that neighbour, at the same point');
    expect(() => sealShares(a.secrets, b.advert, { ...pair, maskKey: { ...pair.maskKey, share: { ...pair.maskKey.share, x: 3 } } })).toThrow(message);
    expect(() => sealShares(a.secrets, { ...b.advert, clinicId: 'carol' }, pair)).toThrow(message);
    expect(() => sealShares(a.secrets, b.advert, { ...pair, maskKey: { ...pair.maskKey, holder: 'carol' } })).toThrow(message);
  });

  it('opens only a well-formed box addressed to this clinic from the advertised sender', () => {
    const sealed = sealShares(a.secrets, b.advert, pair);
    const open =
      (s: typeof sealed, ownId = 'bob', sender = a.advert) =>
      () =>
        openShares(s, b.secrets, ownId, sender, alice.signing.publicKey, round);
    expect(open(sealed)()).toEqual(pair);
    expect(open(sealed, 'bob', { ...a.advert, clinicId: 'carol' })).toThrow(new SecAggError('shares from alice to bob were not sealed by carol to bob'));
    expect(open({ ...sealed, box: sealed.box.subarray(1) })).toThrow(
      new SecAggError(`shares from alice to bob are malformed: ${SEALED_SHARES_BYTES - 1} bytes with a 12-byte nonce`),
    );
    expect(open({ ...sealed, nonce: sealed.nonce.subarray(1) })).toThrow(
      new SecAggError(`shares from alice to bob are malformed: ${SEALED_SHARES_BYTES} bytes with a 11-byte nonce`),
    );
    const tag = Uint8Array.from(sealed.box);
    tag[SEALED_SHARES_BYTES - 1]! ^= 1;
    expect(open({ ...sealed, box: tag })).toThrow(
      new SecAggError("shares from alice to bob do not verify: altered, or not sealed with alice's advertised key for this round"),
    );
    // Sealed under bob's key by alice, but claimed to come from another advert of alice's: the key differs.
    expect(open(sealed, 'bob', createAdvert(alice, round).advert)).toThrow(/do not verify: altered/);
  });
});
