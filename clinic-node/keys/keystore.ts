import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cardFromJson,
  cardOf,
  cardToJson,
  checkClinicId,
  createIdentity,
  equalBytes,
  fingerprint,
  identityFromJson,
  identityToJson,
  IdentityError,
  type ClinicCard,
  type ClinicIdentity,
} from '../../crypto/index.js';

/** A study key as a clinic keeps it. */
export interface StoredStudyKey {
  studyId: string;
  keyId: string;
  parameterSet: string;
  secretKey: Uint8Array;
}

/**
 * A clinic's keystore directory (mode 0700, files 0600):
 *   identity.json          the clinic's Ed25519 and X25519 key pairs
 *   card.json              its public card, for the operator to enrol
 *   peers/<clinic>.json    other clinics' cards, pinned on first use or by `cohort keys pin`
 *   studies/<study>.json   study keys received in key ceremonies
 * Nothing here is ever sent anywhere but sealed study keys, to enrolled clinics.
 */
export class Keystore {
  private constructor(
    readonly dir: string,
    readonly identity: ClinicIdentity,
  ) {}

  /** Creates a keystore with a fresh identity; refuses to overwrite one. */
  static create(dir: string, clinicId: string): Keystore {
    if (existsSync(join(dir, 'identity.json'))) throw new IdentityError(`${dir} already holds a clinic identity; refusing to replace it`);
    const keystore = new Keystore(dir, createIdentity(checkClinicId(clinicId)));
    writePrivate(join(dir, 'identity.json'), identityToJson(keystore.identity));
    writePrivate(join(dir, 'card.json'), cardToJson(keystore.card));
    return keystore;
  }

  static open(dir: string): Keystore {
    const path = join(dir, 'identity.json');
    if (!existsSync(path)) throw new IdentityError(`no clinic identity in ${dir}: create one with \`cohort keys init --keystore ${dir} --clinic-id ID\``);
    return new Keystore(dir, identityFromJson(readJson(path)));
  }

  get clinicId(): string {
    return this.identity.clinicId;
  }

  get card(): ClinicCard {
    return cardOf(this.identity);
  }

  pinned(clinicId: string): ClinicCard | null {
    const path = join(this.dir, 'peers', `${checkClinicId(clinicId)}.json`);
    return existsSync(path) ? cardFromJson(readJson(path)) : null;
  }

  /** Clinic ids whose cards are pinned here. */
  pinnedClinics(): string[] {
    const dir = join(this.dir, 'peers');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.slice(0, -'.json'.length));
  }

  /**
   * Checks a peer's card (as the coordinator presents it, or as given to `cohort keys pin`) against
   * the pinned one, or against this clinic's own; a clinic seen for the first time is pinned (trust on
   * first use). Returns true when it was new.
   */
  trust(card: ClinicCard): boolean {
    const self = card.clinicId === this.clinicId;
    const own = self ? this.card : this.pinned(card.clinicId);
    if (own) {
      if (!equalBytes(own.signPublicKey, card.signPublicKey) || !equalBytes(own.boxPublicKey, card.boxPublicKey)) {
        throw new IdentityError(
          `keys offered for ${card.clinicId} (${fingerprint(card)}) differ from the ${self ? "keystore's own" : 'pinned'} ones (${fingerprint(own)}): refusing`,
        );
      }
      return false;
    }
    writePrivate(join(this.dir, 'peers', `${card.clinicId}.json`), cardToJson(card));
    return true;
  }

  studyKey(studyId: string): StoredStudyKey | null {
    const path = this.studyKeyPath(studyId);
    if (!existsSync(path)) return null;
    const raw = readJson(path) as Omit<StoredStudyKey, 'secretKey'> & { secretKey: string };
    return { ...raw, secretKey: new Uint8Array(Buffer.from(raw.secretKey, 'base64')) };
  }

  saveStudyKey(key: StoredStudyKey): void {
    writePrivate(this.studyKeyPath(key.studyId), { ...key, secretKey: Buffer.from(key.secretKey).toString('base64') });
  }

  private studyKeyPath(studyId: string): string {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(studyId)) throw new IdentityError(`study id "${studyId}" is not a study id`);
    return join(this.dir, 'studies', `${studyId}.json`);
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a key behind. */
function writePrivate(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new IdentityError(`${path}: ${(error as Error).message}`);
  }
}
