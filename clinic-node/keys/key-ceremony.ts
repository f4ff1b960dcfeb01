import { CkksContext, CkksSecretKey, fingerprint, IdentityError, openEnvelope, sealKey, keyIdOf } from '../../crypto/index.js';
import type { FederationClient } from '../client/federation-client.js';
import type { Keystore, StoredStudyKey } from './keystore.js';

export interface CeremonyResult {
  studyId: string;
  keyId: string;
  parameterSet: string;
  /** Clinics the key was sealed to; `firstUse` marks cards pinned now rather than checked against a pin. */
  recipients: { clinicId: string; fingerprint: string; firstUse: boolean }[];
}

/**
 * The key ceremony, run by one clinic: generates the study's CKKS secret key, seals it to every
 * enrolled clinic (cards checked against this clinic's pins), submits the envelopes and keeps its own
 * copy. The key exists in plaintext only in this process and in clinics' keystores.
 */
export async function generateStudyKey(client: FederationClient, keystore: Keystore, studyId: string): Promise<CeremonyResult> {
  const roster = await client.getKeyRoster(keystore.clinicId, studyId);
  if (roster.keyId) throw new IdentityError(`study ${studyId} already has key ${roster.keyId}; keys are per study`);
  if (!roster.members.some((m) => m.clinicId === keystore.clinicId)) {
    throw new IdentityError(`clinic ${keystore.clinicId} is not on the roster of study ${studyId}`);
  }
  // Check every card before sealing anything: a substituted card would receive the key.
  const recipients = roster.members.map((card) => ({ card, firstUse: keystore.trust(card) }));
  const ckks = await CkksContext.create(roster.parameterSet);
  const key = CkksSecretKey.generate(ckks);
  try {
    const secretKey = key.toBytes();
    const envelopes = recipients.map(({ card }) =>
      sealKey({ studyId, keyId: key.keyId, parameterSet: roster.parameterSet, secretKey, sender: keystore.identity, recipient: card }),
    );
    keystore.saveStudyKey({ studyId, keyId: key.keyId, parameterSet: roster.parameterSet, secretKey });
    await client.submitKeyEnvelopes(envelopes);
    return {
      studyId,
      keyId: key.keyId,
      parameterSet: roster.parameterSet,
      recipients: recipients.map(({ card, firstUse }) => ({ clinicId: card.clinicId, fingerprint: fingerprint(card), firstUse })),
    };
  } finally {
    key.delete();
    ckks.delete();
  }
}

/**
 * A study key for this clinic: from the keystore, else fetched from the coordinator, its sender's
 * signature verified against the pinned (or first-seen) card, opened and checked against its key id.
 */
export async function obtainStudyKey(client: FederationClient, keystore: Keystore, studyId: string): Promise<StoredStudyKey> {
  const stored = keystore.studyKey(studyId);
  if (stored) return stored;
  const { envelope, sender } = await client.fetchKeyEnvelope(keystore.clinicId, studyId);
  if (sender.clinicId !== envelope.senderClinicId)
    throw new IdentityError(`the coordinator presents ${sender.clinicId}'s card for an envelope from ${envelope.senderClinicId}`);
  keystore.trust(sender);
  const secretKey = openEnvelope(envelope, keystore.identity, sender.signPublicKey);
  if (keyIdOf(envelope.parameterSet, secretKey) !== envelope.keyId) {
    throw new IdentityError(`the key sealed by ${envelope.senderClinicId} for study ${studyId} is not key ${envelope.keyId}`);
  }
  const key = { studyId, keyId: envelope.keyId, parameterSet: envelope.parameterSet, secretKey };
  keystore.saveStudyKey(key);
  return key;
}
