import { refuse } from '../../common/errors.js';
import { parameterCount } from '../../common/model-spec.js';
import { CodecError, plainFloat32Codec } from '../../crypto/index.js';
import type { UpdateHeader } from './update-header.js';
import { studyStrategy, type FitResult } from '../../strategies/index.js';
import type { DpLayer } from './dp-layer.js';
import {
  checkHeaderInOrder,
  plainContent,
  type ModelExtras,
  type ModelVersionContent,
  type PlainModel,
  type ProtocolRound,
  type ProtocolStudy,
  type RoundDecider,
  type StoredUpdate,
  type TrainExtras,
  type UpdateProtocol,
} from './update-protocol.js';

export const PLAIN = plainFloat32Codec;

/** Where protocols read a round's stored updates and the model version it trained from. */
export interface RoundReader {
  /** The plain model version `version` of a study, with the strategy's state. */
  globalModel(studyId: string, version: number): Promise<PlainModel>;
  /** A round's stored updates in clinic order. */
  updatesByClinic(studyId: string, round: number): Promise<StoredUpdate[]>;
}

/**
 * Plain float32 updates (privacy `none` and `dp`): the coordinator reads each one, and the study's
 * strategy aggregates the individual updates into the next model version.
 */
export class PlainProtocol implements UpdateProtocol {
  readonly transport = 'plain';
  readonly updateCodec = PLAIN.name;
  readonly lostAtRestart = null;
  private readonly numParameters: number;

  constructor(
    private readonly study: ProtocolStudy,
    readonly dp: DpLayer,
    private readonly rounds: RoundReader,
  ) {
    this.numParameters = parameterCount(study.model);
  }

  async expectedBytes(): Promise<number> {
    return PLAIN.encodedBytes(this.numParameters);
  }

  async readyToStart(): Promise<boolean> {
    return true;
  }

  async eligible(connected: string[]): Promise<string[]> {
    return connected;
  }

  async modelExtras(): Promise<ModelExtras> {
    return { codec: PLAIN.name, encryption: null };
  }

  async openRound(): Promise<TrainExtras> {
    return { encryption: null, secagg: null };
  }

  async rejoin(): Promise<TrainExtras> {
    return this.openRound();
  }

  checkHeader(header: UpdateHeader, round: ProtocolRound): Promise<void> {
    const fields = () => {
      if (!(header.numSamples >= 1)) throw refuse.invalid('an update must declare at least one training sample (num_samples)');
    };
    return checkHeaderInOrder(header, round, this, this.numParameters, fields);
  }

  checkPayload(header: UpdateHeader, payload: Uint8Array): void {
    try {
      PLAIN.decode(payload, this.numParameters);
    } catch (error) {
      if (error instanceof CodecError) throw refuse.invalid(`update from ${header.clinicId}: ${error.message}`);
      throw error;
    }
  }

  async accept(): Promise<void> {}

  storeFailed(): void {}

  async stored(): Promise<RoundDecider> {
    return 'answers';
  }

  async refused(): Promise<RoundDecider> {
    return 'answers';
  }

  async deadlinePassed(): Promise<RoundDecider> {
    return 'answers';
  }

  /** The strategy aggregates the decoded updates; null if it diverged. */
  async buildVersion(round: ProtocolRound): Promise<ModelVersionContent | null> {
    const numParameters = this.numParameters;
    const global = await this.rounds.globalModel(this.study.id, round.number - 1);
    // In clinic order, whatever the order of arrival (and of restarts): the sum is then the same bits every time.
    const received = await this.rounds.updatesByClinic(this.study.id, round.number);
    // Decoded one at a time as the strategy consumes them: memory holds one update beside the aggregate.
    const results = function* (): Generator<FitResult> {
      for (const update of received) {
        yield { clinicId: update.clinicId, numSamples: update.numSamples, delta: PLAIN.decode(update.payload, numParameters).values };
      }
    };
    const { parameters, state } = studyStrategy(this.study.strategy, this.study.model).aggregate(results(), global.parameters, global.state);
    return parameters.every(Number.isFinite) ? plainContent(PLAIN.name, parameters, state) : null;
  }

  discard(): void {}
}
