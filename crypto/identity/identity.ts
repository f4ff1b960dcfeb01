import { createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { clinicIdProblem } from '../../common/clinic-id.js';

/**
 * A clinic's long-term identity: an Ed25519 key that signs what the clinic says and an X25519 key
 * that others seal secrets to. The private halves never leave the clinic's keystore.
 */
export interface ClinicIdentity {
  clinicId: string;
  signing: nacl.SignKeyPair;
  box: nacl.BoxKeyPair;
}

/** The public half of an identity, as an operator enrols it and peers pin it. */
export interface ClinicCard {
  clinicId: string;
  /** Ed25519 public key, 32 bytes. */
  signPublicKey: Uint8Array;
  /** X25519 public key, 32 bytes. */
  boxPublicKey: Uint8Array;
}

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

export function checkClinicId(clinicId: string): string {
  const problem = clinicIdProblem(clinicId);
  if (problem) throw new IdentityError(problem);
  return clinicId;
}

/** A fresh identity from tweetnacl's CSPRNG (node:crypto's randomBytes). */
export function createIdentity(clinicId: string): ClinicIdentity {
  return { clinicId: checkClinicId(clinicId), signing: nacl.sign.keyPair(), box: nacl.box.keyPair() };
}

export function cardOf(identity: ClinicIdentity): ClinicCard {
  return { clinicId: identity.clinicId, signPublicKey: identity.signing.publicKey, boxPublicKey: identity.box.publicKey };
}

/** A short, comparable name of a card's keys, for checking an enrolment by telephone or letter. */
export function fingerprint(card: ClinicCard): string {
  const digest = createHash('sha256').update('cohort/card/v1\0').update(card.signPublicKey).update(card.boxPublicKey).digest('hex');
  return digest.slice(0, 32).match(/.{4}/g)!.join(':');
}

/** Ed25519 signatures through node:crypto (OpenSSL): the same signatures as tweetnacl's, about 50 times faster. */
export function signDetached(identity: ClinicIdentity, message: Uint8Array): Uint8Array {
  return sign(null, message, keyObject('Ed25519', 'private', identity.signing.secretKey));
}

export function verifyDetached(message: Uint8Array, signature: Uint8Array, signPublicKey: Uint8Array): boolean {
  return (
    signature.length === nacl.sign.signatureLength &&
    signPublicKey.length === nacl.sign.publicKeyLength &&
    verify(null, message, keyObject('Ed25519', 'public', signPublicKey), signature)
  );
}

/** X25519(secret, public) through node:crypto: the raw shared point, as tweetnacl's scalarMult gives it. */
export function x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32 || publicKey.length !== 32) throw new RangeError('X25519 keys are 32 bytes');
  return new Uint8Array(diffieHellman({ privateKey: keyObject('X25519', 'private', secretKey), publicKey: keyObject('X25519', 'public', publicKey) }));
}

/** A fresh X25519 key pair, raw 32-byte halves as tweetnacl's box.keyPair gives them, from node:crypto. */
export function x25519KeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync('x25519');
  const secretKey = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32));
  return { publicKey: x25519PublicKey(secretKey), secretKey };
}

/** The X25519 public key of a raw secret key (tweetnacl's scalarMult.base). */
export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32) throw new RangeError('X25519 keys are 32 bytes');
  return new Uint8Array(
    createPublicKey(keyObject('X25519', 'private', secretKey))
      .export({ format: 'der', type: 'spki' })
      .subarray(-32),
  );
}

// DER prefixes of raw 32-byte keys (RFC 8410): PKCS#8 for a private key, SPKI for a public one.
const DER_PREFIXES = {
  Ed25519: { private: '302e020100300506032b657004220420', public: '302a300506032b6570032100' },
  X25519: { private: '302e020100300506032b656e04220420', public: '302a300506032b656e032100' },
} as const;

const keyObjects = new WeakMap<Uint8Array, KeyObject>();

/** Node's key object for a raw key, cached per key array. tweetnacl's 64-byte Ed25519 secret key is the 32-byte seed then the public key. */
function keyObject(curve: keyof typeof DER_PREFIXES, kind: 'private' | 'public', raw: Uint8Array): KeyObject {
  let object = keyObjects.get(raw);
  if (!object) {
    const key = Buffer.concat([Buffer.from(DER_PREFIXES[curve][kind], 'hex'), raw.subarray(0, 32)]);
    object = kind === 'private' ? createPrivateKey({ key, format: 'der', type: 'pkcs8' }) : createPublicKey({ key, format: 'der', type: 'spki' });
    keyObjects.set(raw, object);
  }
  return object;
}

// ---- JSON forms (base64 keys) -------------------------------------------------------------------

export interface ClinicCardJson {
  clinicId: string;
  signPublicKey: string;
  boxPublicKey: string;
  fingerprint?: string;
}

export interface ClinicIdentityJson extends ClinicCardJson {
  signSecretKey: string;
  boxSecretKey: string;
}

export function cardToJson(card: ClinicCard): ClinicCardJson {
  return { clinicId: card.clinicId, signPublicKey: b64(card.signPublicKey), boxPublicKey: b64(card.boxPublicKey), fingerprint: fingerprint(card) };
}

/** Parses and checks a card; a stated fingerprint must match the keys. */
export function cardFromJson(json: unknown): ClinicCard {
  const raw = asRecord(json, 'clinic card');
  const card: ClinicCard = {
    clinicId: checkClinicId(field(raw, 'clinicId', 'clinic card')),
    signPublicKey: key(raw, 'signPublicKey', nacl.sign.publicKeyLength, 'clinic card'),
    boxPublicKey: key(raw, 'boxPublicKey', nacl.box.publicKeyLength, 'clinic card'),
  };
  if (raw['fingerprint'] !== undefined && raw['fingerprint'] !== fingerprint(card)) {
    throw new IdentityError(`clinic card of ${card.clinicId}: fingerprint ${String(raw['fingerprint'])} does not match its keys (${fingerprint(card)})`);
  }
  return card;
}

export function identityToJson(identity: ClinicIdentity): ClinicIdentityJson {
  return { ...cardToJson(cardOf(identity)), signSecretKey: b64(identity.signing.secretKey), boxSecretKey: b64(identity.box.secretKey) };
}

/** Parses an identity and checks that its public keys belong to its secret keys. */
export function identityFromJson(json: unknown): ClinicIdentity {
  const raw = asRecord(json, 'clinic identity');
  const card = cardFromJson(raw);
  const signing = nacl.sign.keyPair.fromSecretKey(key(raw, 'signSecretKey', nacl.sign.secretKeyLength, 'clinic identity'));
  const box = nacl.box.keyPair.fromSecretKey(key(raw, 'boxSecretKey', nacl.box.secretKeyLength, 'clinic identity'));
  if (!equalBytes(signing.publicKey, card.signPublicKey) || !equalBytes(box.publicKey, card.boxPublicKey)) {
    throw new IdentityError(`clinic identity of ${card.clinicId}: public keys do not match its secret keys`);
  }
  return { clinicId: card.clinicId, signing, box };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function asRecord(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new IdentityError(`${what} must be a JSON object`);
  return json as Record<string, unknown>;
}

function field(raw: Record<string, unknown>, name: string, what: string): string {
  const value = raw[name];
  if (typeof value !== 'string' || value.length === 0) throw new IdentityError(`${what}: ${name} must be a non-empty string`);
  return value;
}

function key(raw: Record<string, unknown>, name: string, length: number, what: string): Uint8Array {
  const text = field(raw, name, what);
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (bytes.length !== length || Buffer.from(bytes).toString('base64') !== text) {
    throw new IdentityError(`${what}: ${name} must be ${length} bytes in base64`);
  }
  return bytes;
}
