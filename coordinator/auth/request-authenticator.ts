import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Metadata } from '@grpc/grpc-js';
import { LessThan, type Repository } from 'typeorm';
import { refuse } from '../../common/errors.js';
import { canonicalRequest, NONCE_HEX_DIGITS, requestStatement, SIGNED_METADATA } from '../../wire/request-signing.js';
import { verifyDetached } from '../../crypto/index.js';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';
import { KeysService, revoked } from '../keys/keys.service.js';
import { RequestNonceEntity } from '../persistence/entities/request-nonce.entity.js';

const NONCE = new RegExp(`^[0-9a-f]{${NONCE_HEX_DIGITS}}$`);

/**
 * Checks that a call was signed by an enrolled clinic in good standing (common/request-signing.ts):
 * timestamp inside the window, signature over the request as received, nonce never seen. The
 * checks that cost nothing come first; the nonce is recorded only for a call whose signature holds,
 * so nobody can burn another clinic's nonces.
 */
@Injectable()
export class RequestAuthenticator implements OnModuleDestroy {
  private readonly pruning: NodeJS.Timeout;

  constructor(
    @InjectRepository(RequestNonceEntity) private readonly nonces: Repository<RequestNonceEntity>,
    private readonly keys: KeysService,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {
    this.pruning = setInterval(() => void this.prune(), Math.max(1000, this.options.requestWindowMs)).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruning);
  }

  /** The clinic that signed the call's first message; refuses (UNAUTHENTICATED / PERMISSION_DENIED) with the reason. */
  async authenticate(method: string, message: unknown, metadata: Metadata, now = Date.now()): Promise<string> {
    const field = (key: string) => {
      const value = metadata.get(key)[0];
      if (value === undefined)
        throw refuse.unauthenticated(`${method}: the call is not signed (metadata ${key} is missing): clinics sign every call with their enrolled identity`);
      return value;
    };
    const clinicId = String(field(SIGNED_METADATA.clinicId));
    const timestampText = String(field(SIGNED_METADATA.timestamp));
    const nonce = String(field(SIGNED_METADATA.nonce));
    const signature = field(SIGNED_METADATA.signature);
    const timestamp = Number(timestampText);
    if (!/^\d{1,15}$/.test(timestampText))
      throw refuse.unauthenticated(`${method}: metadata ${SIGNED_METADATA.timestamp} must be unix milliseconds, got "${timestampText.slice(0, 40)}"`);
    const skew = timestamp - now;
    if (Math.abs(skew) > this.options.requestWindowMs) {
      throw refuse.unauthenticated(
        `${method}: the call was signed ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'ago' : "ahead of the coordinator's clock"}, outside the ${this.options.requestWindowMs / 1000} s window (replayed, or the clinic's clock is off)`,
      );
    }
    if (!NONCE.test(nonce)) throw refuse.unauthenticated(`${method}: metadata ${SIGNED_METADATA.nonce} must be ${NONCE_HEX_DIGITS} lower-case hex digits`);
    if (typeof signature === 'string') throw refuse.unauthenticated(`${method}: metadata ${SIGNED_METADATA.signature} must be binary`);
    const named = namedClinic(message);
    if (named === undefined) throw refuse.invalid(`${method}: the first message must name the calling clinic`);
    // One answer for an unknown clinic and a bad signature: a caller without the key learns nothing of
    // who is enrolled; only the clinic itself, its signature verified, hears that it was revoked.
    const enrolment = await this.keys.enrolment(clinicId);
    const statement = requestStatement(method, clinicId, timestamp, nonce, canonicalRequest(method, message, true));
    if (!enrolment || !verifyDetached(statement, signature, enrolment.card.signPublicKey)) {
      throw refuse.unauthenticated(
        `${method}: no enrolled clinic "${clinicId.slice(0, 128)}" signed this request (not enrolled, or the request was altered, moved to another method, or signed by another key)`,
      );
    }
    if (enrolment.revokedAt !== null) throw revoked(clinicId, enrolment.revokedAt, enrolment.revocationReason);
    this.checkNamedClinic(method, message, clinicId);
    try {
      await this.nonces.insert({ nonce, clinicId, expiresAt: timestamp + this.options.requestWindowMs });
    } catch (error) {
      if (await this.nonces.existsBy({ nonce })) throw refuse.unauthenticated(`${method}: replayed call: nonce ${nonce} of ${clinicId} was already used`);
      throw error;
    }
    return clinicId;
  }

  /** Every message of a call speaks for its signer: one naming another clinic is refused. */
  checkNamedClinic(method: string, message: unknown, signer: string): void {
    const named = namedClinic(message);
    if (named !== undefined && named !== signer)
      throw refuse.denied(`${method}: the request speaks for clinic "${named.slice(0, 128)}" but is signed by ${signer}`);
  }

  private async prune(): Promise<void> {
    await this.nonces.delete({ expiresAt: LessThan(Date.now()) }).catch(() => undefined);
  }
}

/** The clinic a message speaks for: its clinic id, an upload header's, or a key envelope's sender. */
function namedClinic(message: unknown): string | undefined {
  const m = message as { clinicId?: unknown; header?: { clinicId?: unknown } | null; senderClinicId?: unknown };
  const named = m.clinicId ?? m.header?.clinicId ?? m.senderClinicId;
  return typeof named === 'string' ? named : undefined;
}
