/**
 * The key ceremony's messages (protos/cohort/v1/federation.proto) to and from the domain types
 * KeysService speaks (crypto/identity). Only the gRPC controller uses this mapping.
 */
import type { ClinicCard as ClinicCardMessage } from '../../protos/generated/cohort/v1/ClinicCard.js';
import type { KeyEnvelope as KeyEnvelopeMessage, KeyEnvelope__Output } from '../../protos/generated/cohort/v1/KeyEnvelope.js';
import type { KeyEnvelopeDelivery } from '../../protos/generated/cohort/v1/KeyEnvelopeDelivery.js';
import type { KeyEnvelopesAck } from '../../protos/generated/cohort/v1/KeyEnvelopesAck.js';
import type { KeyRoster } from '../../protos/generated/cohort/v1/KeyRoster.js';
import type { ClinicCard, KeyEnvelope } from '../../crypto/index.js';
import type { KeyCeremonyStored, KeyRosterView } from './keys.service.js';

/** An envelope as a clinic submitted it, its bytes copied so nothing downstream holds the decoded message (the service checks them). */
export function envelopeFromWire(message: KeyEnvelope__Output): KeyEnvelope {
  return {
    studyId: message.studyId,
    keyId: message.keyId,
    parameterSet: message.parameterSet,
    senderClinicId: message.senderClinicId,
    recipientClinicId: message.recipientClinicId,
    recipientBoxPublicKey: new Uint8Array(message.recipientBoxPublicKey),
    ephemeralPublicKey: new Uint8Array(message.ephemeralPublicKey),
    nonce: new Uint8Array(message.nonce),
    sealedKey: new Uint8Array(message.sealedKey),
    signature: new Uint8Array(message.signature),
  };
}

export function envelopeToWire(envelope: KeyEnvelope): KeyEnvelopeMessage {
  return {
    studyId: envelope.studyId,
    keyId: envelope.keyId,
    parameterSet: envelope.parameterSet,
    senderClinicId: envelope.senderClinicId,
    recipientClinicId: envelope.recipientClinicId,
    recipientBoxPublicKey: envelope.recipientBoxPublicKey,
    ephemeralPublicKey: envelope.ephemeralPublicKey,
    nonce: envelope.nonce,
    sealedKey: envelope.sealedKey,
    signature: envelope.signature,
  };
}

export function cardToWire(card: ClinicCard): ClinicCardMessage {
  return { clinicId: card.clinicId, signPublicKey: card.signPublicKey, boxPublicKey: card.boxPublicKey };
}

export function rosterToWire(roster: KeyRosterView): KeyRoster {
  return { studyId: roster.studyId, parameterSet: roster.parameterSet, keyId: roster.keyId, members: roster.members.map(cardToWire) };
}

export function deliveryToWire(delivery: { envelope: KeyEnvelope; sender: ClinicCard }): KeyEnvelopeDelivery {
  return { envelope: envelopeToWire(delivery.envelope), sender: cardToWire(delivery.sender) };
}

export function ceremonyAckToWire(stored: KeyCeremonyStored): KeyEnvelopesAck {
  return { studyId: stored.studyId, keyId: stored.keyId, envelopes: stored.envelopes };
}
