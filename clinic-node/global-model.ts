import { CkksContexts, CkksSecretKey, CkksUpdateCodec } from '../crypto/index.js';
import { createStrategy, type StrategyConfig, type StrategyState } from '../coordinator/strategies/index.js';
import type { EncryptionSpec__Output } from '../protos/generated/cohort/v1/EncryptionSpec.js';
import type { StrategySpec__Output } from '../protos/generated/cohort/v1/StrategySpec.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from './client/federation-client.js';
import { obtainStudyKey, type Keystore } from './keys/index.js';

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
 * The global model of each study as this clinic sees it. Plain studies: downloaded as is. Encrypted
 * studies: the coordinator holds only ciphertext sums, so the clinic decrypts each round's sum (the
 * weighted mean update and total weight) and applies the study's server step itself, from the public
 * initial model on; every key holder reaches the same parameters. The last version is cached, so a
 * round costs one download; a clinic that missed rounds replays the versions it lacks.
 */
export class GlobalModels {
  private readonly contexts = new CkksContexts();
  private readonly encrypted = new Map<string, EncryptedStudy>();

  constructor(
    private readonly client: FederationClient,
    private readonly clinicId: string,
    private readonly keystore: Keystore | null,
  ) {}

  /** The parameters of the task's model version. */
  async parameters(task: Task__Output): Promise<Float32Array> {
    const length = task.model?.numParameters ?? 0;
    if (!task.encryption) return this.plain(task.studyId, task.modelVersion, length);
    const study = await this.study(task.studyId, task.encryption);
    let chain = study.chain;
    if (!chain || chain.version > task.modelVersion) {
      chain = { version: 0, parameters: await this.plain(task.studyId, 0, length), state: null };
    }
    const strategy = createStrategy(strategyConfig(task.strategy));
    for (let version = chain.version + 1; version <= task.modelVersion; version++) {
      const { header, payload } = await this.client.downloadModel(this.clinicId, task.studyId, version, () => study.codec.aggregateBytes(length));
      if (header.codec !== study.codec.name || header.keyId !== study.codec.keyId) {
        throw new Error(`model version ${version} of study ${task.studyId} is ${header.codec} under key ${header.keyId}, expected ${study.codec.name} under ${study.codec.keyId}`);
      }
      const { values } = study.codec.decode(payload, length);
      const next = strategy.serverStep(chain.parameters, values, chain.state);
      chain = { version, parameters: next.parameters, state: next.state };
    }
    study.chain = chain;
    return chain.parameters;
  }

  /** The codec a clinic encrypts its update of the task's study with (null for plain studies). */
  async updateCodec(task: Task__Output): Promise<CkksUpdateCodec | null> {
    return task.encryption ? (await this.study(task.studyId, task.encryption)).codec : null;
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

  private async plain(studyId: string, version: number, length: number): Promise<Float32Array> {
    const parameters = await this.client.downloadPlainModel(this.clinicId, studyId, version);
    if (parameters.length !== length) throw new Error(`model version ${version} of study ${studyId} has ${parameters.length} parameters, the task's spec ${length}`);
    return parameters;
  }

  private async study(studyId: string, encryption: EncryptionSpec__Output): Promise<EncryptedStudy> {
    const known = this.encrypted.get(studyId);
    if (known) return known;
    if (!this.keystore) throw new Error(`study ${studyId} encrypts its updates: this node needs a keystore (--keystore DIR)`);
    const stored = await obtainStudyKey(this.client, this.keystore, studyId);
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

/** The task's strategy settings; zero fields mean the strategy's own default. */
function strategyConfig(spec: StrategySpec__Output | null): StrategyConfig {
  if (!spec) throw new Error('an encrypted study\'s task must name its strategy: the clinic applies the server step');
  const positive = (value: number) => (value > 0 ? value : undefined);
  return {
    name: spec.name,
    serverLearningRate: positive(spec.serverLearningRate),
    beta1: positive(spec.beta1),
    beta2: positive(spec.beta2),
    tau: positive(spec.tau),
  };
}
