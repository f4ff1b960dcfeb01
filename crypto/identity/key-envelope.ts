import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { equalBytes, IdentityError, signDetached, verifyDetached, type ClinicCard, type ClinicIdentity } from './identity.js';

/**
 * A study's secret key sealed to one clinic: encrypted to the recipient's X25519 key with an
 * ephemeral sender key (nacl.box, XSalsa20-Poly1305), and signed with the sender's Ed25519 key over
 * everything that names it (study, key id, parameter set, both clinics, the recipient's key, the
 * ciphertext's digest). The coordinator relays and stores envelopes; it can check who signed one and
 * to whom it is sealed, but cannot open it.
 */
export interface KeyEnvelope {
  studyId: string;
  keyId: string;
  parameterSet: string;
  senderClinicId: string;
  recipientClinicId: string;
  recipientBoxPublicKey: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  nonce: Uint8Array;
  sealedKey: Uint8Array;
  signature: Uint8Array;
}

export interface SealKeyRequest {
  studyId: string;
  keyId: string;
  parameterSet: string;
  secretKey: Uint8Array;
  sender: ClinicIdentity;
  recipient: ClinicCard;
}

export function sealKey(request: SealKeyRequest): KeyEnvelope {
  const ephemeral = nacl.box.keyPair();
  const nonce = nacl.randomBytes(nacl.box.nonceLength);
  const sealedKey = nacl.box(request.secretKey, nonce, request.recipient.boxPublicKey, ephemeral.secretKey);
  const unsigned: Omit<KeyEnvelope, 'signature'> = {
    studyId: request.studyId,
    keyId: request.keyId,
    parameterSet: request.parameterSet,
    senderClinicId: request.sender.clinicId,
    recipientClinicId: request.recipient.clinicId,
    recipientBoxPublicKey: request.recipient.boxPublicKey,
    ephemeralPublicKey: ephemeral.publicKey,
    nonce,
    sealedKey,
  };
  ephemeral.secretKey.fill(0);
  return { ...unsigned, signature: signDetached(request.sender, envelopeStatement(unsigned)) };
}

/** Throws unless the envelope was signed by the holder of `senderSignPublicKey`. */
export function verifyEnvelope(envelope: KeyEnvelope, senderSignPublicKey: Uint8Array): void {
  if (!verifyDetached(envelopeStatement(envelope), envelope.signature, senderSignPublicKey)) {
    throw new IdentityError(
      `key envelope for ${envelope.recipientClinicId} (study ${envelope.studyId}) is not signed by ${envelope.senderClinicId}'s enrolled key`,
    );
  }
}

/** Verifies the sender's signature, then opens the envelope with the recipient's identity. */
export function openEnvelope(envelope: KeyEnvelope, recipient: ClinicIdentity, senderSignPublicKey: Uint8Array): Uint8Array {
  verifyEnvelope(envelope, senderSignPublicKey);
  if (envelope.recipientClinicId !== recipient.clinicId || !equalBytes(envelope.recipientBoxPublicKey, recipient.box.publicKey)) {
    throw new IdentityError(`key envelope is sealed to ${envelope.recipientClinicId}'s key, not to this clinic (${recipient.clinicId})`);
  }
  const key = nacl.box.open(envelope.sealedKey, envelope.nonce, envelope.ephemeralPublicKey, recipient.box.secretKey);
  if (!key) throw new IdentityError(`key envelope for study ${envelope.studyId} does not open with this clinic's key`);
  return key;
}

/** The exact bytes a sender signs: a domain tag and length-prefixed fields, so no two envelopes share one. */
export function envelopeStatement(envelope: Omit<KeyEnvelope, 'signature'>): Uint8Array {
  const parts: Uint8Array[] = [
    text('cohort/key-envelope/v1'),
    text(envelope.studyId),
    text(envelope.keyId),
    text(envelope.parameterSet),
    text(envelope.senderClinicId),
    text(envelope.recipientClinicId),
    envelope.recipientBoxPublicKey,
    envelope.ephemeralPublicKey,
    envelope.nonce,
    createHash('sha256').update(envelope.sealedKey).digest(),
  ];
  return Buffer.concat(parts.flatMap((part) => [lengthPrefix(part.length), part]));
}

function text(value: string): Uint8Array {
  return Buffer.from(value, 'utf8');
}

function lengthPrefix(length: number): Uint8Array {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  return prefix;
}
