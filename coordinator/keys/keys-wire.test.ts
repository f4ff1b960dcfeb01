import { describe, expect, it } from '@jest/globals';
import type { KeyEnvelope__Output } from '../../protos/generated/cohort/v1/KeyEnvelope.js';
import type { ClinicCard, KeyEnvelope } from '../../crypto/index.js';
import { ceremonyAckToWire, deliveryToWire, envelopeFromWire, rosterToWire } from './keys-wire.js';

const bytes = (fill: number, length = 32) => new Uint8Array(length).fill(fill);

const envelope: KeyEnvelope = {
  studyId: 'study-1',
  keyId: '0123456789abcdef0123456789abcdef',
  parameterSet: 'n8192-q60-s40',
  senderClinicId: 'clinic-a',
  recipientClinicId: 'clinic-b',
  recipientBoxPublicKey: bytes(1),
  ephemeralPublicKey: bytes(2),
  nonce: bytes(3, 24),
  sealedKey: bytes(4, 80),
  signature: bytes(5, 64),
};
const cardA: ClinicCard = { clinicId: 'clinic-a', signPublicKey: bytes(6), boxPublicKey: bytes(7) };
const cardB: ClinicCard = { clinicId: 'clinic-b', signPublicKey: bytes(8), boxPublicKey: bytes(9) };

describe('the key ceremony on the wire', () => {
  it('takes a submitted envelope field by field, its bytes copied', () => {
    const message: KeyEnvelope__Output = {
      studyId: 'study-1',
      keyId: '0123456789abcdef0123456789abcdef',
      parameterSet: 'n8192-q60-s40',
      senderClinicId: 'clinic-a',
      recipientClinicId: 'clinic-b',
      recipientBoxPublicKey: Buffer.from(bytes(1)),
      ephemeralPublicKey: Buffer.from(bytes(2)),
      nonce: Buffer.from(bytes(3, 24)),
      sealedKey: Buffer.from(bytes(4, 80)),
      signature: Buffer.from(bytes(5, 64)),
    };
    const taken = envelopeFromWire(message);
    expect(taken).toEqual({ ...envelope });
    expect(Buffer.isBuffer(taken.signature)).toBe(false);
    expect(Object.keys(taken).sort()).toEqual(Object.keys(envelope).sort());
  });

  it('answers the roster with every member card', () => {
    expect(rosterToWire({ studyId: 'study-1', parameterSet: 'n8192-q60-s40', keyId: '', members: [cardA, cardB] })).toEqual({
      studyId: 'study-1',
      parameterSet: 'n8192-q60-s40',
      keyId: '',
      members: [
        { clinicId: 'clinic-a', signPublicKey: bytes(6), boxPublicKey: bytes(7) },
        { clinicId: 'clinic-b', signPublicKey: bytes(8), boxPublicKey: bytes(9) },
      ],
    });
  });

  it("delivers a clinic's envelope with its sender's card", () => {
    expect(deliveryToWire({ envelope, sender: cardA })).toEqual({
      envelope: {
        studyId: 'study-1',
        keyId: '0123456789abcdef0123456789abcdef',
        parameterSet: 'n8192-q60-s40',
        senderClinicId: 'clinic-a',
        recipientClinicId: 'clinic-b',
        recipientBoxPublicKey: bytes(1),
        ephemeralPublicKey: bytes(2),
        nonce: bytes(3, 24),
        sealedKey: bytes(4, 80),
        signature: bytes(5, 64),
      },
      sender: { clinicId: 'clinic-a', signPublicKey: bytes(6), boxPublicKey: bytes(7) },
    });
  });

  it('acknowledges a stored ceremony', () => {
    expect(ceremonyAckToWire({ studyId: 'study-1', keyId: '0123456789abcdef0123456789abcdef', envelopes: 3 })).toEqual({
      studyId: 'study-1',
      keyId: '0123456789abcdef0123456789abcdef',
      envelopes: 3,
    });
  });
});
