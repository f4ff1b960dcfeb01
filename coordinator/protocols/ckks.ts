import { refuse } from '../../common/errors.js';
import { parameterCount } from '../../common/model-spec.js';
import { encrypts } from '../../common/privacy-mode.js';
import { ckksCodecName } from '../../crypto/index.js';
import type { UpdateHeader } from './update-header.js';
import type { DpLayer } from './dp-layer.js';
import type { EncryptedAggregates, RoundKey } from './encrypted-aggregates.js';
import type { EncryptionSettings } from './privacy-settings.js';
import type { EncryptionTerms } from './task-extras.js';
import {
  checkHeaderInOrder,
  type ModelExtras,
  type ModelVersionContent,
  type ProtocolRound,
  type ProtocolStudy,
  type RoundDecider,
  type TrainExtras,
  type UpdateProtocol,
} from './update-protocol.js';

/** What the CKKS protocol asks of the study keys (KeysService). */
export interface StudyKeyView {
  studyKey(studyId: string): Promise<{ keyId: string } | null>;
  /** Clinics holding an envelope of the study's key. */
  keyHolders(studyId: string): Promise<Set<string>>;
}

/** A round's stored update payloads, oldest first, to rebuild its encrypted sum. */
export type StoredPayloads = (round: RoundKey) => Promise<Uint8Array[]>;

/**
 * CKKS-encrypted updates (privacy `he`, `he+dp`): the study waits for its key ceremony and asks
 * only clinics holding the key; ciphertexts are summed as they arrive, and the encrypted sum is
 * stored as the model version as it is. The strategy's server step then runs at the clinics,
 * which alone can decrypt.
 */
export class CkksProtocol implements UpdateProtocol {
  readonly transport = 'ckks';
  readonly lostAtRestart = null;
  readonly updateCodec: string;
  private readonly numParameters: number;
  private readonly settings: EncryptionSettings;

  constructor(
    private readonly study: ProtocolStudy,
    readonly dp: DpLayer,
    private readonly keys: StudyKeyView,
    private readonly sums: EncryptedAggregates,
    private readonly storedPayloads: StoredPayloads,
  ) {
    if (!study.encryption) throw new Error(`study ${study.id} encrypts its updates but holds no encryption settings`);
    this.settings = study.encryption;
    this.numParameters = parameterCount(study.model);
    this.updateCodec = ckksCodecName(this.settings.parameterSet);
  }

  async expectedBytes(): Promise<number> {
    return (await this.sums.context(this.settings.parameterSet)).updateBytes(this.numParameters);
  }

  async readyToStart(): Promise<boolean> {
    return (await this.keys.studyKey(this.study.id)) !== null;
  }

  async eligible(connected: string[]): Promise<string[]> {
    const holders = await this.keys.keyHolders(this.study.id);
    return connected.filter((id) => holders.has(id));
  }

  async modelExtras(): Promise<ModelExtras> {
    return { codec: this.updateCodec, encryption: await this.encryptionSpec() };
  }

  async openRound(): Promise<TrainExtras> {
    return { encryption: await this.encryptionSpec(), secagg: null };
  }

  rejoin(): Promise<TrainExtras> {
    return this.openRound();
  }

  checkHeader(header: UpdateHeader, round: ProtocolRound): Promise<void> {
    const fields = async () => {
      const key = await this.keys.studyKey(this.study.id);
      if (header.keyId !== key?.keyId) {
        throw refuse.invalid(
          `update from ${header.clinicId} is encrypted under key "${header.keyId}", study ${this.study.id} uses key ${key?.keyId ?? '(none yet)'}`,
        );
      }
      if (header.numSamples !== 0) throw refuse.invalid('an encrypted update carries its sample count inside the ciphertext: num_samples must be 0');
    };
    return checkHeaderInOrder(header, round, this, this.numParameters, fields);
  }

  checkPayload(): void {}

  /** Checked as ciphertext and summed before it is stored; if storing fails the sum is dropped and rebuilt from what the database holds. */
  async accept(header: UpdateHeader, payload: Uint8Array, round: ProtocolRound): Promise<void> {
    const key = roundKey(round);
    await this.sums.add(key, this.settings.parameterSet, this.numParameters, payload, `update from ${header.clinicId}`, () => this.storedPayloads(key));
  }

  storeFailed(round: ProtocolRound): void {
    this.sums.discard(roundKey(round));
  }

  async stored(): Promise<RoundDecider> {
    return 'answers';
  }

  async refused(): Promise<RoundDecider> {
    return 'answers';
  }

  async deadlinePassed(): Promise<RoundDecider> {
    return 'answers';
  }

  /** The round's ciphertext sum becomes the model version, as it is. */
  async buildVersion(round: ProtocolRound): Promise<ModelVersionContent> {
    const key = roundKey(round);
    const payload = await this.sums.save(key, this.settings.parameterSet, this.numParameters, () => this.storedPayloads(key));
    const studyKey = await this.keys.studyKey(this.study.id);
    return {
      parameters: null,
      strategyState: null,
      stateLayout: null,
      codec: this.updateCodec,
      keyId: studyKey!.keyId,
      payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    };
  }

  discard(round: ProtocolRound): void {
    this.sums.discard(roundKey(round));
  }

  /** What clinics need to encrypt and decrypt: the parameter set and the study's key, once it exists. */
  private async encryptionSpec(): Promise<EncryptionTerms | null> {
    const key = await this.keys.studyKey(this.study.id);
    return key ? { parameterSet: this.settings.parameterSet, keyId: key.keyId } : null;
  }
}

function roundKey(round: ProtocolRound): RoundKey {
  return { studyId: round.studyId, round: round.number };
}

/** The CKKS settings of a study whose updates are encrypted; a refusal for any other (it has no key). */
export function requireEncryption(study: { id: string; privacy: string; encryption: EncryptionSettings | null }): EncryptionSettings {
  if (!encrypts(study.privacy) || !study.encryption)
    throw refuse.precondition(`study ${study.id} does not encrypt its updates (privacy ${study.privacy}): it has no key`);
  return study.encryption;
}
