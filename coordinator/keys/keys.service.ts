import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import { checkClinicId, equalBytes, fingerprint, IdentityError, verifyEnvelope, type ClinicCard, type KeyEnvelope } from '../../crypto/index.js';
import { inTransaction } from '../persistence/transactions.js';
import { ClinicIdentityEntity } from '../persistence/entities/clinic-identity.entity.js';
import { KeyEnvelopeEntity } from '../persistence/entities/key-envelope.entity.js';
import { StudyKeyEntity } from '../persistence/entities/study-key.entity.js';
import { StudyEntity } from '../persistence/entities/study.entity.js';
import { requireEncryption } from '../protocols/ckks.js';

export interface KeyRosterView {
  studyId: string;
  parameterSet: string;
  keyId: string;
  members: ClinicCard[];
}

/** A key ceremony stored: the study, its key, and how many clinics it was sealed to. */
export interface KeyCeremonyStored {
  studyId: string;
  keyId: string;
  envelopes: number;
}

const KEY_ID = /^[0-9a-f]{32}$/;

/**
 * Key custody at the coordinator: enrolled clinic identities, and the relay of sealed study keys.
 * The coordinator checks who signed an envelope and that it is sealed to the recipient's enrolled
 * key, stores it, and hands it to that recipient; it holds no secret key and cannot open one.
 */
@Injectable()
export class KeysService {
  private readonly logger = new Logger('Keys');
  private readonly keyReadySubject = new Subject<string>();
  /** Fires with the study id when a study's key ceremony completed. */
  readonly keyReady$ = this.keyReadySubject.asObservable();
  private readonly revokedSubject = new Subject<string>();
  /** Fires with the clinic id when a clinic is revoked. */
  readonly revoked$ = this.revokedSubject.asObservable();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(ClinicIdentityEntity) private readonly identities: Repository<ClinicIdentityEntity>,
    @InjectRepository(StudyKeyEntity) private readonly keys: Repository<StudyKeyEntity>,
    @InjectRepository(KeyEnvelopeEntity) private readonly envelopes: Repository<KeyEnvelopeEntity>,
    @InjectRepository(StudyEntity) private readonly studies: Repository<StudyEntity>,
  ) {}

  /**
   * Enrols a clinic by its public card; enrolling the same keys again is a no-op, other keys are
   * refused. Revocation is final for a clinic id: its ledger and past messages are signed with the
   * revoked keys, so a clinic coming back enrols under a new id (key rotation is not built).
   */
  async enrol(card: ClinicCard): Promise<{ clinicId: string; fingerprint: string; created: boolean }> {
    checkClinicId(card.clinicId);
    const existing = await this.identities.findOneBy({ clinicId: card.clinicId });
    if (existing?.revokedAt != null) {
      throw refuse.denied(
        `clinic ${card.clinicId} was revoked (keys ${fingerprint(toCard(existing))}) and revocation is final for its id: its ledger is signed with those keys; enrol the clinic under a new id`,
      );
    }
    if (existing) {
      if (!equalBytes(existing.signPublicKey, card.signPublicKey) || !equalBytes(existing.boxPublicKey, card.boxPublicKey)) {
        throw refuse.duplicate(`clinic ${card.clinicId} is already enrolled with other keys (${fingerprint(toCard(existing))})`);
      }
      return { clinicId: card.clinicId, fingerprint: fingerprint(card), created: false };
    }
    await this.identities.insert({
      clinicId: card.clinicId,
      signPublicKey: Buffer.from(card.signPublicKey),
      boxPublicKey: Buffer.from(card.boxPublicKey),
      enrolledAt: Date.now(),
      revokedAt: null,
      revocationReason: null,
    });
    this.logger.log(`clinic ${card.clinicId} enrolled, fingerprint ${fingerprint(card)}`);
    return { clinicId: card.clinicId, fingerprint: fingerprint(card), created: true };
  }

  /** Revokes a clinic's keys: from now on its calls are refused and it is on no roster. Revoking twice is a no-op. */
  async revoke(clinicId: string, reason: string): Promise<{ clinicId: string; fingerprint: string; revokedAt: number }> {
    const identity = await this.identities.findOneBy({ clinicId });
    if (!identity) throw refuse.notFound(`clinic "${clinicId}" is not enrolled`);
    if (identity.revokedAt == null) {
      identity.revokedAt = Date.now();
      identity.revocationReason = reason.slice(0, 512);
      await this.identities.save(identity, { transaction: false });
      this.logger.warn(`clinic ${clinicId} revoked (${fingerprint(toCard(identity))}): ${reason}`);
      this.revokedSubject.next(clinicId);
    }
    return { clinicId, fingerprint: fingerprint(toCard(identity)), revokedAt: identity.revokedAt };
  }

  /** Every enrolment, revoked ones included, for operators and auditors. */
  async enrolments(): Promise<Enrolment[]> {
    return (await this.identities.find({ order: { clinicId: 'ASC' } })).map(toEnrolment);
  }

  /** A clinic's enrolment, revoked or not; null if it was never enrolled. */
  async enrolment(clinicId: string): Promise<Enrolment | null> {
    const row = await this.identities.findOneBy({ clinicId });
    return row && toEnrolment(row);
  }

  /** The clinics in good standing: enrolled and not revoked. */
  async enrolled(): Promise<ClinicCard[]> {
    return (await this.identities.find({ where: { revokedAt: IsNull() }, order: { clinicId: 'ASC' } })).map(toCard);
  }

  /** A clinic's card as enrolled, revoked or not (what its past signatures verify under). */
  async cardOf(clinicId: string): Promise<ClinicCard> {
    const identity = await this.identities.findOneBy({ clinicId });
    if (!identity) throw refuse.notFound(`clinic "${clinicId}" is not enrolled`);
    return toCard(identity);
  }

  /** A clinic's card, if it is enrolled and not revoked; the refusal says which it is not. */
  async requireEnrolled(clinicId: string): Promise<ClinicCard> {
    const identity = await this.identities.findOneBy({ clinicId });
    if (!identity) throw refuse.unauthenticated(`clinic "${clinicId}" is not enrolled: the operator enrols clinics by their public card (cohort clinic enrol)`);
    if (identity.revokedAt != null) throw revoked(clinicId, identity.revokedAt, identity.revocationReason);
    return toCard(identity);
  }

  /** The clinics a study's key is to be sealed to: every enrolled clinic. */
  async roster(clinicId: string, studyId: string): Promise<KeyRosterView> {
    await this.requireEnrolled(clinicId);
    const { encryption } = await this.requireEncryptedStudy(studyId);
    const key = await this.keys.findOneBy({ studyId });
    return { studyId, parameterSet: encryption.parameterSet, keyId: key?.keyId ?? '', members: await this.enrolled() };
  }

  async studyKey(studyId: string): Promise<StudyKeyEntity | null> {
    return this.keys.findOneBy({ studyId });
  }

  /** Clinics holding an envelope of the study's key: the only ones an encrypted round can ask. */
  async keyHolders(studyId: string): Promise<Set<string>> {
    const rows = await this.envelopes.find({ where: { studyId }, select: ['recipientClinicId'] });
    return new Set(rows.map((row) => row.recipientClinicId));
  }

  /**
   * Stores a key ceremony: every envelope of one key, from one enrolled sender, signed by it and
   * sealed to each recipient's enrolled key. All are checked before any is stored; all or none land.
   */
  async submitEnvelopes(envelopes: KeyEnvelope[]): Promise<KeyCeremonyStored> {
    const first = envelopes[0];
    if (!first) throw refuse.invalid('a key ceremony carries at least one envelope');
    const { study, encryption } = await this.requireEncryptedStudy(first.studyId);
    const { keyId, parameterSet, senderClinicId } = first;
    if (!KEY_ID.test(keyId)) throw refuse.invalid(`key id "${keyId}" must be 32 lower-case hex digits`);
    if (parameterSet !== encryption.parameterSet) {
      throw refuse.invalid(`study ${study.id} encrypts with parameter set ${encryption.parameterSet}, the envelopes carry a ${parameterSet} key`);
    }
    const sender = await this.requireEnrolled(senderClinicId);
    const seen = new Set<string>();
    for (const [i, envelope] of envelopes.entries()) {
      const what = `envelope ${i} (for ${envelope.recipientClinicId})`;
      if (envelope.studyId !== study.id || envelope.keyId !== keyId || envelope.parameterSet !== parameterSet || envelope.senderClinicId !== senderClinicId) {
        throw refuse.invalid(`${what}: every envelope of a ceremony names the same study, key, parameter set and sender`);
      }
      if (seen.has(envelope.recipientClinicId)) throw refuse.invalid(`${what}: a second envelope for the same clinic`);
      seen.add(envelope.recipientClinicId);
      const recipient = await this.identities.findOneBy({ clinicId: envelope.recipientClinicId, revokedAt: IsNull() });
      if (!recipient) throw refuse.invalid(`${what}: clinic ${envelope.recipientClinicId} is not enrolled (or was revoked)`);
      if (!equalBytes(recipient.boxPublicKey, envelope.recipientBoxPublicKey)) {
        throw refuse.invalid(`${what}: sealed to a key that is not ${envelope.recipientClinicId}'s enrolled key`);
      }
      try {
        verifyEnvelope(envelope, sender.signPublicKey);
      } catch (error) {
        if (error instanceof IdentityError) throw refuse.invalid(`${what}: ${error.message}`);
        throw error;
      }
    }
    const now = Date.now();
    await inTransaction(this.db, async (tx) => {
      // Inside the transaction, so two ceremonies racing cannot both land.
      const existing = await tx.findOneBy(StudyKeyEntity, { studyId: study.id });
      if (existing) throw refuse.duplicate(`study ${study.id} already has key ${existing.keyId} (generated by ${existing.generatedBy}); keys are per study`);
      await tx.insert(StudyKeyEntity, { studyId: study.id, keyId, parameterSet, generatedBy: senderClinicId, createdAt: now });
      await tx.insert(
        KeyEnvelopeEntity,
        envelopes.map((e) => ({
          studyId: e.studyId,
          recipientClinicId: e.recipientClinicId,
          keyId: e.keyId,
          parameterSet: e.parameterSet,
          senderClinicId: e.senderClinicId,
          recipientBoxPublicKey: Buffer.from(e.recipientBoxPublicKey),
          ephemeralPublicKey: Buffer.from(e.ephemeralPublicKey),
          nonce: Buffer.from(e.nonce),
          sealedKey: Buffer.from(e.sealedKey),
          signature: Buffer.from(e.signature),
          createdAt: now,
        })),
      );
    });
    this.logger.log(`study ${study.id}: key ${keyId} from ${senderClinicId} sealed to ${envelopes.length} clinics`);
    this.keyReadySubject.next(study.id);
    return { studyId: study.id, keyId, envelopes: envelopes.length };
  }

  /** The study key as sealed to `clinicId`, with its sender's enrolled card. */
  async envelopeFor(clinicId: string, studyId: string): Promise<{ envelope: KeyEnvelope; sender: ClinicCard }> {
    await this.requireEnrolled(clinicId);
    const row = await this.envelopes.findOneBy({ studyId, recipientClinicId: clinicId });
    if (!row) throw refuse.notFound(`study "${studyId}" has no key sealed to clinic ${clinicId} (has its key ceremony run since the clinic was enrolled?)`);
    return { envelope: toEnvelope(row), sender: await this.requireEnrolled(row.senderClinicId) };
  }

  /** Who holds the study key, for operators (no key material). */
  async status(studyId: string) {
    await this.requireEncryptedStudy(studyId);
    const key = await this.keys.findOneBy({ studyId });
    const rows = await this.envelopes.find({
      where: { studyId },
      select: ['recipientClinicId', 'senderClinicId', 'createdAt'],
      order: { recipientClinicId: 'ASC' },
    });
    return {
      studyId,
      keyId: key?.keyId ?? null,
      parameterSet: key?.parameterSet ?? null,
      generatedBy: key?.generatedBy ?? null,
      holders: rows.map((r) => ({ clinicId: r.recipientClinicId, sealedBy: r.senderClinicId, at: new Date(r.createdAt).toISOString() })),
    };
  }

  private async requireEncryptedStudy(studyId: string): Promise<{ study: StudyEntity; encryption: NonNullable<StudyEntity['encryption']> }> {
    const study = await this.studies.findOneBy({ id: studyId });
    if (!study) throw refuse.notFound(`study "${studyId}" does not exist`);
    return { study, encryption: requireEncryption(study) };
  }
}

export interface Enrolment {
  card: ClinicCard;
  enrolledAt: number;
  revokedAt: number | null;
  revocationReason: string | null;
}

function toEnrolment(row: ClinicIdentityEntity): Enrolment {
  return { card: toCard(row), enrolledAt: row.enrolledAt, revokedAt: row.revokedAt, revocationReason: row.revocationReason };
}

/** The refusal a revoked clinic gets, told only to the clinic itself (its signature verified) and to operators. */
export function revoked(clinicId: string, revokedAt: number, reason: string | null) {
  return refuse.denied(`clinic ${clinicId} was revoked at ${new Date(revokedAt).toISOString()}: ${reason ?? 'no reason given'}`);
}

function toCard(row: ClinicIdentityEntity): ClinicCard {
  return { clinicId: row.clinicId, signPublicKey: new Uint8Array(row.signPublicKey), boxPublicKey: new Uint8Array(row.boxPublicKey) };
}

function toEnvelope(row: KeyEnvelopeEntity): KeyEnvelope {
  return {
    studyId: row.studyId,
    keyId: row.keyId,
    parameterSet: row.parameterSet,
    senderClinicId: row.senderClinicId,
    recipientClinicId: row.recipientClinicId,
    recipientBoxPublicKey: new Uint8Array(row.recipientBoxPublicKey),
    ephemeralPublicKey: new Uint8Array(row.ephemeralPublicKey),
    nonce: new Uint8Array(row.nonce),
    sealedKey: new Uint8Array(row.sealedKey),
    signature: new Uint8Array(row.signature),
  };
}
