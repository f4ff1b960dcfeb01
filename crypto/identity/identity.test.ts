import { describe, expect, it } from '@jest/globals';
import nacl from 'tweetnacl';
import {
  cardFromJson,
  cardOf,
  cardToJson,
  createIdentity,
  envelopeStatement,
  fingerprint,
  identityFromJson,
  identityToJson,
  openEnvelope,
  sealKey,
  signDetached,
  verifyDetached,
  verifyEnvelope,
  type ClinicCard,
  type KeyEnvelope,
} from './index.js';

const alice = createIdentity('alice'); // seals the study key (the key ceremony's dealer)
const bob = createIdentity('bob.clinic-2'); // receives it
const mallory = createIdentity('mallory');

const secret = nacl.randomBytes(4096);
const seal = (recipient: ClinicCard = cardOf(bob)) =>
  sealKey({ studyId: 'study-7', keyId: '0f1e2d3c4b5a69788796a5b4c3d2e1f0', parameterSet: 'n8192-q60-s40', secretKey: secret, sender: alice, recipient });

/** The message verifyEnvelope gives, naming the envelope's (possibly tampered) recipient, study and sender. */
const notSigned = (e: KeyEnvelope) => `key envelope for ${e.recipientClinicId} (study ${e.studyId}) is not signed by ${e.senderClinicId}'s enrolled key`;

const flipped = (bytes: Uint8Array, at = 0) => {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= 0x01;
  return copy;
};

describe('clinic identities', () => {
  it('round-trip through JSON with every key intact', () => {
    const json = identityToJson(alice);
    const back = identityFromJson(JSON.parse(JSON.stringify(json)));
    expect(back.clinicId).toBe('alice');
    expect(Buffer.from(back.signing.secretKey).equals(Buffer.from(alice.signing.secretKey))).toBe(true);
    expect(Buffer.from(back.signing.publicKey).equals(Buffer.from(alice.signing.publicKey))).toBe(true);
    expect(Buffer.from(back.box.secretKey).equals(Buffer.from(alice.box.secretKey))).toBe(true);
    expect(Buffer.from(back.box.publicKey).equals(Buffer.from(alice.box.publicKey))).toBe(true);
    expect(json.fingerprint).toBe(fingerprint(cardOf(alice)));
    // The restored identity still signs as alice: an envelope it seals verifies under alice's enrolled key.
    const envelope = sealKey({ studyId: 's', keyId: 'k', parameterSet: 'p', secretKey: secret, sender: back, recipient: cardOf(bob) });
    expect(() => verifyEnvelope(envelope, alice.signing.publicKey)).not.toThrow();
  });

  it('refuses an identity whose public keys are not those of its secret keys', () => {
    // Consistent fingerprint, so the key check itself (not the fingerprint check) must catch it.
    for (const swap of ['signPublicKey', 'boxPublicKey'] as const) {
      const json = { ...identityToJson(alice), [swap]: cardToJson(cardOf(mallory))[swap] };
      json.fingerprint = cardToJson(cardFromJson({ ...json, fingerprint: undefined })).fingerprint;
      expect(() => identityFromJson(json)).toThrow('clinic identity of alice: public keys do not match its secret keys');
    }
    const { fingerprint: _, ...unfingerprinted } = { ...identityToJson(alice), signSecretKey: identityToJson(mallory).signSecretKey };
    expect(() => identityFromJson(unfingerprinted)).toThrow('clinic identity of alice: public keys do not match its secret keys');
  });

  it('refuses a secret key of the wrong length', () => {
    const json = { ...identityToJson(alice), boxSecretKey: Buffer.alloc(31).toString('base64') };
    expect(() => identityFromJson(json)).toThrow('clinic identity: boxSecretKey must be 32 bytes in base64');
  });

  it('signs with node:crypto what tweetnacl verifies, and verifies what tweetnacl signs', () => {
    const identity = createIdentity('signer');
    const message = new TextEncoder().encode('cohort');
    expect(nacl.sign.detached.verify(message, signDetached(identity, message), identity.signing.publicKey)).toBe(true);
    expect(verifyDetached(message, nacl.sign.detached(message, identity.signing.secretKey), identity.signing.publicKey)).toBe(true);
    expect(verifyDetached(new TextEncoder().encode('cohorT'), signDetached(identity, message), identity.signing.publicKey)).toBe(false);
  });

  it("makes key pairs in tweetnacl's layout: the secret keys derive the public keys, and each identity is fresh", () => {
    const identity = createIdentity('fresh');
    expect(identity.signing.secretKey).toHaveLength(64);
    expect(identity.signing.publicKey).toHaveLength(32);
    expect(identity.box.secretKey).toHaveLength(32);
    expect(nacl.sign.keyPair.fromSecretKey(identity.signing.secretKey).publicKey).toEqual(identity.signing.publicKey);
    expect(nacl.sign.keyPair.fromSeed(identity.signing.secretKey.subarray(0, 32)).secretKey).toEqual(identity.signing.secretKey);
    expect(nacl.box.keyPair.fromSecretKey(identity.box.secretKey).publicKey).toEqual(identity.box.publicKey);
    const other = createIdentity('fresh');
    expect(other.signing.secretKey).not.toEqual(identity.signing.secretKey);
    expect(other.box.secretKey).not.toEqual(identity.box.secretKey);
  });

  it('refuses a clinic id outside the allowed characters', () => {
    expect(() => createIdentity('../etc')).toThrow(`clinic id "../etc" must be 1-128 letters, digits, '.', '_' or '-'`);
    expect(() => cardFromJson({ ...cardToJson(cardOf(bob)), clinicId: 'x'.repeat(129) })).toThrow(/must be 1-128 letters/);
  });
});

describe('clinic cards', () => {
  const good = cardToJson(cardOf(bob));

  it('round-trip through JSON, with or without a stated fingerprint', () => {
    for (const json of [good, { ...good, fingerprint: undefined }]) {
      const card = cardFromJson(JSON.parse(JSON.stringify(json)));
      expect(card.clinicId).toBe('bob.clinic-2');
      expect(Buffer.from(card.signPublicKey).equals(Buffer.from(bob.signing.publicKey))).toBe(true);
      expect(Buffer.from(card.boxPublicKey).equals(Buffer.from(bob.box.publicKey))).toBe(true);
    }
  });

  it.each(['signPublicKey', 'boxPublicKey'] as const)('refuses a %s of the wrong length or not in canonical base64, naming the field', (name) => {
    const message = `clinic card: ${name} must be 32 bytes in base64`;
    const bytes = Buffer.from(good[name], 'base64');
    const refuse = (value: unknown) => expect(() => cardFromJson({ ...good, [name]: value, fingerprint: undefined })).toThrow(message);
    refuse(bytes.subarray(0, 31).toString('base64'));
    refuse(Buffer.concat([bytes, Buffer.alloc(1)]).toString('base64'));
    refuse(`${good[name].slice(0, 10)}!${good[name].slice(11)}`); // Node's decoder silently skips the '!'
    refuse(good[name].replace(/=$/, '')); // unpadded: decodes to the same bytes, but is not the canonical form
    refuse(bytes.toString('base64url'));
    expect(() => cardFromJson({ ...good, [name]: 42 })).toThrow(`clinic card: ${name} must be a non-empty string`);
    expect(() => cardFromJson({ ...good, [name]: '' })).toThrow(`clinic card: ${name} must be a non-empty string`);
  });

  it('refuses a fingerprint that does not match its keys, naming both', () => {
    const other = fingerprint(cardOf(mallory));
    expect(() => cardFromJson({ ...good, fingerprint: other })).toThrow(
      `clinic card of bob.clinic-2: fingerprint ${other} does not match its keys (${good.fingerprint})`,
    );
    // Mallory's keys under bob's name and bob's fingerprint: the fingerprint exposes the swap.
    expect(() => cardFromJson({ ...cardToJson(cardOf(mallory)), clinicId: 'bob.clinic-2', fingerprint: good.fingerprint })).toThrow(
      `fingerprint ${good.fingerprint} does not match its keys`,
    );
  });

  it('refuses what is not a JSON object', () => {
    for (const json of [null, 'card', [good]]) expect(() => cardFromJson(json)).toThrow('clinic card must be a JSON object');
  });

  it('fingerprints are 8 groups of 4 hex digits over both keys, stable across versions', () => {
    const card: ClinicCard = {
      clinicId: 'any',
      signPublicKey: Uint8Array.from({ length: 32 }, (_, i) => i),
      boxPublicKey: Uint8Array.from({ length: 32 }, (_, i) => 32 + i),
    };
    // Pinned: a change of the hash input would silently invalidate every fingerprint read out at enrolment.
    expect(fingerprint(card)).toBe('f159:ce9a:7da1:cd4e:3c13:2a64:6619:741d');
    expect(fingerprint(cardOf(bob))).toMatch(/^[0-9a-f]{4}(:[0-9a-f]{4}){7}$/);
    expect(fingerprint({ ...card, signPublicKey: flipped(card.signPublicKey, 31) })).not.toBe(fingerprint(card));
    expect(fingerprint({ ...card, boxPublicKey: flipped(card.boxPublicKey, 31) })).not.toBe(fingerprint(card));
    // Both keys are hashed in a fixed order: swapping them gives another fingerprint.
    expect(fingerprint({ ...card, signPublicKey: card.boxPublicKey, boxPublicKey: card.signPublicKey })).not.toBe(fingerprint(card));
  });
});

describe('key envelopes', () => {
  it('open to the exact secret bytes at the recipient, and hide them from everyone else', () => {
    const envelope = seal();
    expect(envelope.senderClinicId).toBe('alice');
    expect(envelope.recipientClinicId).toBe('bob.clinic-2');
    verifyEnvelope(envelope, alice.signing.publicKey);
    const opened = openEnvelope(envelope, bob, alice.signing.publicKey);
    expect(Buffer.from(opened).equals(Buffer.from(secret))).toBe(true);
    // The ciphertext is not the secret, and two seals of one secret share no ephemeral key or nonce.
    expect(Buffer.from(envelope.sealedKey).includes(Buffer.from(secret.subarray(0, 32)))).toBe(false);
    const again = seal();
    expect(Buffer.from(again.ephemeralPublicKey).equals(Buffer.from(envelope.ephemeralPublicKey))).toBe(false);
    expect(Buffer.from(again.nonce).equals(Buffer.from(envelope.nonce))).toBe(false);
  });

  it("refuses an envelope signed by another identity, even one using the sender's clinic id", () => {
    const byMallory = sealKey({ studyId: 'study-7', keyId: 'k', parameterSet: 'n8192-q60-s40', secretKey: secret, sender: mallory, recipient: cardOf(bob) });
    expect(() => verifyEnvelope(byMallory, alice.signing.publicKey)).toThrow(
      "key envelope for bob.clinic-2 (study study-7) is not signed by mallory's enrolled key",
    );
    const impostor = createIdentity('alice'); // same name, keys not enrolled
    const forged = sealKey({ studyId: 'study-7', keyId: 'k', parameterSet: 'n8192-q60-s40', secretKey: secret, sender: impostor, recipient: cardOf(bob) });
    expect(() => verifyEnvelope(forged, alice.signing.publicKey)).toThrow(
      "key envelope for bob.clinic-2 (study study-7) is not signed by alice's enrolled key",
    );
    expect(() => openEnvelope(forged, bob, alice.signing.publicKey)).toThrow(notSigned(forged));
  });

  describe('refuses any single field changed after signing', () => {
    const envelope = seal();
    const cases: [string, Partial<KeyEnvelope>][] = [
      ['studyId', { studyId: 'study-8' }],
      ['keyId', { keyId: '0f1e2d3c4b5a69788796a5b4c3d2e1f1' }],
      ['parameterSet', { parameterSet: 'n8192-q60-s30' }],
      ['senderClinicId', { senderClinicId: 'mallory' }],
      ['recipientClinicId', { recipientClinicId: 'mallory' }],
      ['recipientBoxPublicKey', { recipientBoxPublicKey: mallory.box.publicKey }],
      ['recipientBoxPublicKey (one bit)', { recipientBoxPublicKey: flipped(envelope.recipientBoxPublicKey, 17) }],
      ['ephemeralPublicKey', { ephemeralPublicKey: flipped(envelope.ephemeralPublicKey) }],
      ['nonce', { nonce: flipped(envelope.nonce, 23) }],
      ['sealedKey (first byte)', { sealedKey: flipped(envelope.sealedKey) }],
      ['sealedKey (last byte)', { sealedKey: flipped(envelope.sealedKey, envelope.sealedKey.length - 1) }],
      ['sealedKey (truncated)', { sealedKey: envelope.sealedKey.subarray(0, envelope.sealedKey.length - 1) }],
      ['signature', { signature: flipped(envelope.signature, 40) }],
      ['signature (truncated)', { signature: envelope.signature.subarray(0, 63) }],
      // Length prefixes: a character moved from one field to the next must not yield the same statement.
      ['studyId/keyId boundary', { studyId: 'study-70', keyId: 'f1e2d3c4b5a69788796a5b4c3d2e1f0' }],
    ];

    it.each(cases)('%s', (_, change) => {
      const tampered = { ...envelope, ...change };
      expect(() => verifyEnvelope(tampered, alice.signing.publicKey)).toThrow(notSigned(tampered));
      expect(() => openEnvelope(tampered, bob, alice.signing.publicKey)).toThrow(notSigned(tampered));
    });

    it('while the untouched envelope still verifies (the cases above changed copies only)', () => {
      expect(() => verifyEnvelope(envelope, alice.signing.publicKey)).not.toThrow();
      expect(Buffer.from(openEnvelope(envelope, bob, alice.signing.publicKey)).equals(Buffer.from(secret))).toBe(true);
    });
  });

  it('refuses to open at a clinic it was not sealed to, naming the recipient', () => {
    const envelope = seal();
    expect(() => openEnvelope(envelope, mallory, alice.signing.publicKey)).toThrow(
      "key envelope is sealed to bob.clinic-2's key, not to this clinic (mallory)",
    );
    // Same clinic id, but a key other than the one sealed to (e.g. bob re-keyed since).
    const rekeyed = createIdentity('bob.clinic-2');
    expect(() => openEnvelope(envelope, rekeyed, alice.signing.publicKey)).toThrow(
      "key envelope is sealed to bob.clinic-2's key, not to this clinic (bob.clinic-2)",
    );
  });

  it("refuses a signed envelope whose box does not open with the recipient's key", () => {
    // The sender itself signed a corrupted box: the signature holds, nacl.box.open must still fail.
    const { signature: _, ...unsigned } = seal();
    const corrupted = { ...unsigned, sealedKey: flipped(unsigned.sealedKey, 5) };
    const envelope: KeyEnvelope = { ...corrupted, signature: signDetached(alice, envelopeStatement(corrupted)) };
    verifyEnvelope(envelope, alice.signing.publicKey);
    expect(() => openEnvelope(envelope, bob, alice.signing.publicKey)).toThrow("key envelope for study study-7 does not open with this clinic's key");
  });
});
