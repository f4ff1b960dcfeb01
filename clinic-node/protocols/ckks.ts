import { CkksContexts, CkksSecretKey, CkksUpdateCodec } from '../../crypto/index.js';
import { studyStrategy, type StrategyConfig, type StrategyState } from '../../strategies/index.js';
import { strategyFromWire } from '../../wire/strategy-wire.js';
import type { EncryptionSpec__Output } from '../../protos/generated/cohort/v1/EncryptionSpec.js';
import type { StrategySpec__Output } from '../../protos/generated/cohort/v1/StrategySpec.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { obtainStudyKey } from '../keys/index.js';
import type { RoundDecision } from '../privacy/privacy-guard.js';
import { roundRequest, type NodeProtocol, type ProtocolContext, type RoundEnd, type RoundInProgress, type RoundPrivacy } from './protocol.js';
import { downloadPlainModel, reportedLoss, sendStoredUpdate } from './stored-update.js';

interface ChainState {
  version: number;
  parameters: Float32Array;
  state: StrategyState | null;
}

interface EncryptedStudy {
  codec: CkksUpdateCodec;
  key: CkksSecretKey;
  chain: ChainState | null;
}

/**
 * CKKS-encrypted updates (privacy `he`, `he+dp`). The coordinator holds only ciphertext sums, so
 * the clinic decrypts each round's sum (the weighted mean update and total weight) and applies the
 * study's server step itself, from the public initial model on; every key holder reaches the same
 * parameters. The last version is kept, so a round costs one download; a clinic that missed rounds
 * replays the versions it lacks. The update is encrypted with the study key; its sample count
 * travels inside the ciphertexts, never in the clear.
 */
export class CkksProtocol implements NodeProtocol {
  private readonly contexts = new CkksContexts();
  private readonly encrypted = new Map<string, EncryptedStudy>();

  constructor(private readonly context: ProtocolContext) {}

  async model(task: Task__Output): Promise<Float32Array> {
    const length = task.model?.numParameters ?? 0;
    const study = await this.study(task);
    let chain = study.chain;
    if (!chain || chain.version > task.modelVersion) {
      chain = { version: 0, parameters: await downloadPlainModel(this.context.client, this.context.clinicId, task, 0), state: null };
    }
    const strategy = studyStrategy(strategyConfig(task.strategy), { statistics: task.model?.statistics ?? 0 });
    for (let version = chain.version + 1; version <= task.modelVersion; version++) {
      const { header, payload } = await this.context.client.downloadModel(this.context.clinicId, task.studyId, version, () =>
        study.codec.aggregateBytes(length),
      );
      if (header.codec !== study.codec.name || header.keyId !== study.codec.keyId) {
        throw new Error(
          `model version ${version} of study ${task.studyId} is ${header.codec} under key ${header.keyId}, expected ${study.codec.name} under ${study.codec.keyId}`,
        );
      }
      const { values, weight } = study.codec.decode(payload, length);
      const next = strategy.serverStep(chain.parameters, values, chain.state, weight ?? undefined);
      chain = { version, parameters: next.parameters, state: next.state };
    }
    study.chain = chain;
    return chain.parameters;
  }

  attempt(): null {
    return null;
  }

  refusal(): null {
    return null;
  }

  decide(task: Task__Output, guard: RoundPrivacy, records: number): RoundDecision {
    return guard.decide(roundRequest(task), records);
  }

  async submit(round: RoundInProgress): Promise<RoundEnd> {
    const { task } = round;
    const { codec } = await this.study(task);
    return sendStoredUpdate(
      round,
      (update) => ({
        codec: codec.name,
        keyId: codec.keyId,
        numSamples: 0,
        trainLoss: reportedLoss(round, update),
        payload: codec.encode(update.delta, round.records, Math.max(1, task.participants)),
      }),
      (message) => this.context.log(`${this.context.clinicId}: ${message}`),
    );
  }

  /** Frees every SEAL object held for the studies. */
  async close(): Promise<void> {
    for (const study of this.encrypted.values()) {
      study.codec.delete();
      study.key.delete();
    }
    this.encrypted.clear();
    await this.contexts.delete();
  }

  private async study(task: Task__Output): Promise<EncryptedStudy> {
    const { studyId } = task;
    const known = this.encrypted.get(studyId);
    if (known) return known;
    const encryption = encryptionOf(task);
    const stored = await obtainStudyKey(this.context.client, this.context.keystore, studyId);
    if (stored.keyId !== encryption.keyId || stored.parameterSet !== encryption.parameterSet) {
      throw new Error(`study ${studyId} uses key ${encryption.keyId} (${encryption.parameterSet}), this clinic holds ${stored.keyId} (${stored.parameterSet})`);
    }
    const ckks = await this.contexts.get(stored.parameterSet);
    const key = CkksSecretKey.fromBytes(ckks, stored.secretKey);
    const study: EncryptedStudy = { key, codec: new CkksUpdateCodec(ckks, key), chain: null };
    this.encrypted.set(studyId, study);
    return study;
  }
}

function encryptionOf(task: Task__Output): EncryptionSpec__Output {
  if (!task.encryption) throw new Error(`a task of study ${task.studyId} went to the CKKS protocol without an encryption spec`);
  return task.encryption;
}

/** The task's strategy, every setting filled in: the clinic applies its server step. */
function strategyConfig(spec: StrategySpec__Output | null): StrategyConfig {
  if (!spec) throw new Error("an encrypted study's task must name its strategy: the clinic applies the server step");
  return strategyFromWire(spec);
}
