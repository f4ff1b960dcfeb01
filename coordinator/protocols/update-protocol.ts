import { refuse } from '../../common/errors.js';
import type { ModelSpec } from '../../common/model-spec.js';
import type { UpdateTransport } from '../../common/privacy-mode.js';
import type { UpdateHeader } from './update-header.js';
import type { StrategyConfig, StrategyState } from '../../strategies/index.js';
import type { DpLayer } from './dp-layer.js';
import type { PrivacySettings } from './privacy-settings.js';
import type { EncryptionTerms, SecAggTerms } from './task-extras.js';

/** What a protocol reads of a study (a stored study is one). */
export interface ProtocolStudy extends PrivacySettings {
  id: string;
  model: ModelSpec;
  strategy: StrategyConfig;
  training: { localSteps: number };
  rounds: number;
  quorum: number;
}

/** What a protocol reads of a round. */
export interface ProtocolRound {
  studyId: string;
  number: number;
  /** Attempt of a round that a coordinator restart ran again (secure aggregation); 0 otherwise. */
  attempt: number;
  /** The clinics asked, fixed when the round opened. */
  participants: string[];
}

/** What a TRAIN task carries about how its update is to travel, beside its codec and DP spec. */
export interface TrainExtras {
  encryption: EncryptionTerms | null;
  secagg: SecAggTerms | null;
}

/** What an EVALUATE task carries about how the model version travels. */
export interface ModelExtras {
  codec: string;
  encryption: EncryptionTerms | null;
}

/** A model version's stored content: plain parameters with the strategy's state, or a payload only clinics can read. */
export interface ModelVersionContent {
  parameters: Float32Array | null;
  strategyState: Float32Array | null;
  stateLayout: string[] | null;
  codec: string;
  keyId: string | null;
  payload: Buffer | null;
}

/** A plain model version as the strategy sees it. */
export interface PlainModel {
  parameters: Float32Array;
  state: StrategyState | null;
}

/** An update as the round store holds it. */
export interface StoredUpdate {
  clinicId: string;
  numSamples: number;
  payload: Uint8Array;
}

/**
 * Who decides whether a round ends after one of its events (an update stored, a refusal, the
 * deadline): `answers`, the coordinator, counting updates and refusals against the quorum; or
 * `protocol`, the protocol's own session, which reports the end through {@link RoundOutcomes}.
 */
export type RoundDecider = 'answers' | 'protocol';

/** How a protocol's session ends a round it decides; each runs in the study's queue. */
export interface RoundOutcomes {
  /** Runs `work` after every earlier piece of work of the study. */
  run(studyId: string, work: () => Promise<void>): Promise<void>;
  /** Closes the round with the version `build` makes, if the round is still open in this attempt; null from `build`: it diverged. */
  close(round: ProtocolRound, outcome: string, build: () => Promise<ModelVersionContent | null>): Promise<void>;
  /** Fails the round (and the study), if it is still open in this attempt. */
  fail(round: ProtocolRound, outcome: string): Promise<void>;
}

/**
 * One way an update travels from a clinic to the coordinator (plain, CKKS, secure aggregation),
 * for one study, with the study's differential privacy (`dp`) layered on it. The coordinator asks
 * it everything that depends on the privacy mode; it never checks the mode itself.
 */
export interface UpdateProtocol {
  readonly transport: UpdateTransport;
  readonly dp: DpLayer;
  /** How updates are encoded (the codec their headers name). */
  readonly updateCodec: string;
  /** Why an open round's protocol state does not survive a coordinator restart (the round then runs again as a new attempt); null if it does. */
  readonly lostAtRestart: string | null;
  /** Bytes every update of the study must have. */
  expectedBytes(): Promise<number>;
  /** Whether the study may start (an encrypted study waits for its key ceremony). */
  readyToStart(): Promise<boolean>;
  /** The clinics among `connected` (in their order) that may be asked to train. */
  eligible(connected: string[]): Promise<string[]>;
  /** What EVALUATE tasks carry. */
  modelExtras(): Promise<ModelExtras>;
  /**
   * A round's opening committed: starts its protocol session if it has one and answers what its
   * TRAIN tasks carry; null when the session cannot start and the round has been failed.
   */
  openRound(round: ProtocolRound, outcomes: RoundOutcomes): Promise<TrainExtras | null>;
  /** What the TRAIN task of an open round carries for a clinic (re)connecting now; null when the round can no longer take it in. */
  rejoin(round: ProtocolRound, clinicId: string): Promise<TrainExtras | null>;
  /** Checks an upload's header (not its payload) against the round; a refusal names what is wrong. */
  checkHeader(header: UpdateHeader, round: ProtocolRound): Promise<void>;
  /** Checks a complete payload as it stands alone, before the round is looked at again. */
  checkPayload(header: UpdateHeader, payload: Uint8Array): void;
  /** Takes a checked update into the round's running state, just before it is stored. */
  accept(header: UpdateHeader, payload: Uint8Array, round: ProtocolRound): Promise<void>;
  /** Storing an accepted update failed: forget what `accept` took in. */
  storeFailed(round: ProtocolRound): void;
  /** An update was stored. */
  stored(round: ProtocolRound, clinicId: string, payload: Uint8Array): Promise<RoundDecider>;
  /** A clinic declined the round (signed ledger refusal). */
  refused(round: ProtocolRound, clinicId: string): Promise<RoundDecider>;
  /** The round's deadline passed. */
  deadlinePassed(round: ProtocolRound): Promise<RoundDecider>;
  /** The model version of a round the answers closed, from its stored updates; null if it diverged. */
  buildVersion(round: ProtocolRound): Promise<ModelVersionContent | null>;
  /** The round is over (closed or failed): frees what the protocol holds for it. */
  discard(round: ProtocolRound, reason?: string): void;
}

/** Checks every protocol makes of a header, in one order: its own fields, the loss, the DP layer's admission, the size. */
export async function checkHeaderInOrder(
  header: UpdateHeader,
  round: ProtocolRound,
  protocol: Pick<UpdateProtocol, 'dp' | 'expectedBytes' | 'updateCodec'>,
  numParameters: number,
  checkOwnFields: () => Promise<void> | void,
): Promise<void> {
  await checkOwnFields();
  if (!Number.isFinite(header.trainLoss)) throw refuse.invalid(`train_loss must be finite, got ${header.trainLoss}`);
  await protocol.dp.admit(header, round);
  const expectedBytes = await protocol.expectedBytes();
  if (header.totalBytes !== expectedBytes) {
    throw refuse.invalid(
      `wrong update length: the model has ${numParameters} parameters (${expectedBytes} bytes as ${protocol.updateCodec}), the header declares ${header.totalBytes} bytes`,
    );
  }
}

/** A plain model version's content: float32 parameters and the strategy's state vectors end to end. */
export function plainContent(codec: string, parameters: Float32Array, state: StrategyState | null): ModelVersionContent {
  const layout = state ? Object.keys(state) : null;
  return {
    parameters,
    strategyState: state && layout ? concat(layout.map((k) => state[k]!)) : null,
    stateLayout: layout,
    codec,
    keyId: null,
    payload: null,
  };
}

/** The strategy's state stored end to end in a plain model version, split again. */
export function unpackState(content: Pick<ModelVersionContent, 'parameters' | 'strategyState' | 'stateLayout'>): StrategyState | null {
  if (!content.strategyState || !content.stateLayout) return null;
  const size = content.parameters!.length;
  return Object.fromEntries(content.stateLayout.map((key, i) => [key, content.strategyState!.slice(i * size, (i + 1) * size)]));
}

function concat(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors.reduce((n, v) => n + v.length, 0));
  let offset = 0;
  for (const v of vectors) {
    out.set(v, offset);
    offset += v.length;
  }
  return out;
}
