import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ChunkAssembler, DEFAULT_CHUNK_BYTES, sha256, splitIntoChunks } from '../../common/chunk-stream.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../../common/proto-options.js';
import { signingInterceptor } from '../../wire/request-signing.js';
import { plainFloat32Codec, type ClinicCard, type ClinicIdentity, type KeyEnvelope } from '../../crypto/index.js';
import type { ProtoGrpcType } from '../../protos/generated/federation.js';
import type { ClinicCard__Output } from '../../protos/generated/cohort/v1/ClinicCard.js';
import type { EvaluationReport } from '../../protos/generated/cohort/v1/EvaluationReport.js';
import type { FederationClient as GrpcFederationClient } from '../../protos/generated/cohort/v1/Federation.js';
import type { KeyEnvelope__Output } from '../../protos/generated/cohort/v1/KeyEnvelope.js';
import type { KeyEnvelopesAck__Output } from '../../protos/generated/cohort/v1/KeyEnvelopesAck.js';
import type { LedgerHead__Output } from '../../protos/generated/cohort/v1/LedgerHead.js';
import type { ModelHeader__Output } from '../../protos/generated/cohort/v1/ModelHeader.js';
import type { RegisterRequest } from '../../protos/generated/cohort/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../../protos/generated/cohort/v1/RegisterResponse.js';
import type { SecAggAdvert } from '../../protos/generated/cohort/v1/SecAggAdvert.js';
import type { SecAggNeighbours__Output } from '../../protos/generated/cohort/v1/SecAggNeighbours.js';
import type { SecAggReveal } from '../../protos/generated/cohort/v1/SecAggReveal.js';
import type { SecAggRevealAck__Output } from '../../protos/generated/cohort/v1/SecAggRevealAck.js';
import type { SecAggShareDelivery__Output } from '../../protos/generated/cohort/v1/SecAggShareDelivery.js';
import type { SecAggShareKeysRequest } from '../../protos/generated/cohort/v1/SecAggShareKeysRequest.js';
import type { SecAggStageRequest } from '../../protos/generated/cohort/v1/SecAggStageRequest.js';
import type { SecAggUnmask__Output } from '../../protos/generated/cohort/v1/SecAggUnmask.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { UpdateHeader } from '../../protos/generated/cohort/v1/UpdateHeader.js';
import type { UploadAck__Output } from '../../protos/generated/cohort/v1/UploadAck.js';

let definition: ProtoGrpcType | undefined;

/** How a clinic reaches the coordinator. */
export interface Connection {
  /** The clinic's enrolled identity: every call is signed with it. Null only to test what unsigned calls get. */
  identity: ClinicIdentity | null;
  /** TLS (`channelCredentials` from common/tls) or, against an `--insecure` coordinator, plaintext. */
  credentials: grpc.ChannelCredentials;
}

/** The raw generated client, for callers that need the streams themselves (tests of malformed uploads). */
export function createGrpcClient(address: string, { identity, credentials }: Connection): GrpcFederationClient {
  const { Federation } = loadDefinition().cohort.v1;
  return new Federation(address, credentials, {
    'grpc.max_receive_message_length': DEFAULT_CHUNK_BYTES * 4,
    ...(identity && { interceptors: [signingInterceptor(identity)] }),
  });
}

function loadDefinition(): ProtoGrpcType {
  definition ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(FEDERATION_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] }),
  ) as unknown as ProtoGrpcType;
  return definition;
}

/** An update ready to send: the header fields the node knows, and the encoded payload. */
export type OutgoingUpdate = Omit<UpdateHeader, 'totalBytes' | 'sha256'> & { payload: Uint8Array };

/**
 * A clinic's connection to the coordinator: typed calls over one gRPC channel, with large payloads
 * chunked both ways and verified against their headers.
 */
export class FederationClient {
  private readonly client: GrpcFederationClient;
  private chunkBytes = DEFAULT_CHUNK_BYTES;

  constructor(address: string, connection: Connection) {
    this.client = createGrpcClient(address, connection);
  }

  async register(request: RegisterRequest): Promise<RegisterResponse__Output> {
    const response = await unary<RegisterResponse__Output>((done) => this.client.register(request, done));
    if (response.maxChunkBytes > 0) this.chunkBytes = Math.min(this.chunkBytes, response.maxChunkBytes);
    return response;
  }

  watchTasks(clinicId: string): grpc.ClientReadableStream<Task__Output> {
    return this.client.watchTasks({ clinicId });
  }

  /** Sends header then chunks, respecting flow control; resolves with the coordinator's acknowledgement. */
  uploadUpdate(update: OutgoingUpdate): Promise<UploadAck__Output> {
    const { payload, ...fields } = update;
    const chunkBytes = this.chunkBytes;
    return sendAll(
      (done) => this.client.uploadUpdate(done),
      (function* () {
        yield { header: { ...fields, totalBytes: payload.length, sha256: sha256(payload) } };
        for (const data of splitIntoChunks(payload, chunkBytes)) yield { data };
      })(),
    );
  }

  /**
   * Downloads a model version's bytes, checking size and digest against the header; `expectedBytes`
   * says how large a model with that header must be (it depends on the codec), so a forged size is
   * refused before anything is allocated for it.
   */
  async downloadModel(
    clinicId: string,
    studyId: string,
    modelVersion: number,
    expectedBytes: (header: ModelHeader__Output) => number,
  ): Promise<{ header: ModelHeader__Output; payload: Buffer }> {
    const call = this.client.downloadModel({ clinicId, studyId, modelVersion });
    let header: ModelHeader__Output | undefined;
    let assembler: ChunkAssembler | undefined;
    for await (const chunk of call as AsyncIterable<{ header?: ModelHeader__Output | null; data?: Buffer }>) {
      if (chunk.header) {
        header = chunk.header;
        const expected = expectedBytes(header);
        if (header.totalBytes !== expected)
          throw new Error(`model stream declares ${header.totalBytes} bytes, a ${header.codec} model of its spec has ${expected}`);
        assembler = new ChunkAssembler(header.totalBytes, header.sha256, `model version ${modelVersion} of study ${studyId}`);
      } else if (chunk.data) {
        if (!assembler) throw new Error('model stream sent data before its header');
        assembler.push(chunk.data);
      }
    }
    if (!header || !assembler) throw new Error(`model stream for version ${modelVersion} ended without a header`);
    return { header, payload: assembler.finish() };
  }

  /** A plain float32 model version: every version of a plain study, version 0 of an encrypted one. */
  async downloadPlainModel(clinicId: string, studyId: string, modelVersion: number): Promise<Float32Array> {
    const length = (header: ModelHeader__Output) => header.model?.numParameters ?? 0;
    const { header, payload } = await this.downloadModel(clinicId, studyId, modelVersion, (h) => plainFloat32Codec.encodedBytes(length(h)));
    if (header.codec !== plainFloat32Codec.name)
      throw new Error(`model version ${modelVersion} of study ${studyId} is ${header.codec}, not ${plainFloat32Codec.name}`);
    return plainFloat32Codec.decode(payload, length(header)).values;
  }

  /** Key ceremony: the study's parameter set, key id (if any) and the enrolled clinics to seal it to. */
  async getKeyRoster(clinicId: string, studyId: string): Promise<{ parameterSet: string; keyId: string; members: ClinicCard[] }> {
    const roster = await unary<{ parameterSet: string; keyId: string; members: ClinicCard__Output[] }>((done) =>
      this.client.getKeyRoster({ clinicId, studyId }, done),
    );
    return { parameterSet: roster.parameterSet, keyId: roster.keyId, members: roster.members.map(fromCardMessage) };
  }

  /** Key ceremony: sends every envelope of a study key, one message each. */
  submitKeyEnvelopes(envelopes: KeyEnvelope[]): Promise<KeyEnvelopesAck__Output> {
    return sendAll((done) => this.client.submitKeyEnvelopes(done), envelopes);
  }

  /** Privacy ledger: how many of this clinic's entries the coordinator holds, and the last one's hash. */
  getLedgerHead(clinicId: string): Promise<LedgerHead__Output> {
    return unary<LedgerHead__Output>((done) => this.client.getLedgerHead({ clinicId }, done));
  }

  /** Privacy ledger: entries continuing the coordinator's copy (signed JSON texts, in order). */
  appendLedgerEntries(clinicId: string, entries: string[]): Promise<LedgerHead__Output> {
    return unary<LedgerHead__Output>((done) => this.client.appendLedgerEntries({ clinicId, entries }, done));
  }

  /** Key ceremony: the study key sealed to this clinic, and the card of the clinic that sealed it. */
  async fetchKeyEnvelope(clinicId: string, studyId: string): Promise<{ envelope: KeyEnvelope; sender: ClinicCard }> {
    const delivery = await unary<{ envelope: KeyEnvelope__Output | null; sender: ClinicCard__Output | null }>((done) =>
      this.client.fetchKeyEnvelope({ clinicId, studyId }, done),
    );
    if (!delivery.envelope || !delivery.sender) throw new Error(`the coordinator sent no key envelope for study ${studyId}`);
    const e = delivery.envelope;
    return {
      envelope: {
        ...e,
        recipientBoxPublicKey: new Uint8Array(e.recipientBoxPublicKey),
        ephemeralPublicKey: new Uint8Array(e.ephemeralPublicKey),
        nonce: new Uint8Array(e.nonce),
        sealedKey: new Uint8Array(e.sealedKey),
        signature: new Uint8Array(e.signature),
      },
      sender: fromCardMessage(delivery.sender),
    };
  }

  // Secure aggregation: each stage call returns when the coordinator closes the stage.

  secAggAdvertise(advert: SecAggAdvert): Promise<SecAggNeighbours__Output> {
    return unary((done) => this.client.secAggAdvertise(advert, done));
  }

  secAggShareKeys(request: SecAggShareKeysRequest): Promise<SecAggShareDelivery__Output> {
    return unary((done) => this.client.secAggShareKeys(request, done));
  }

  secAggUnmaskRequest(request: SecAggStageRequest): Promise<SecAggUnmask__Output> {
    return unary((done) => this.client.secAggUnmaskRequest(request, done));
  }

  secAggRevealShares(reveal: SecAggReveal): Promise<SecAggRevealAck__Output> {
    return unary((done) => this.client.secAggRevealShares(reveal, done));
  }

  reportEvaluation(report: EvaluationReport): Promise<void> {
    return new Promise((resolve, reject) => this.client.reportEvaluation(report, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    this.client.close();
  }
}

function fromCardMessage(card: ClinicCard__Output): ClinicCard {
  return { clinicId: card.clinicId, signPublicKey: new Uint8Array(card.signPublicKey), boxPublicKey: new Uint8Array(card.boxPublicKey) };
}

/**
 * A client stream: opens the call, writes every message respecting flow control, ends it, and
 * resolves with the server's answer. A refusal mid-stream stops the writes; the callback reports it.
 */
function sendAll<T, R>(open: (done: (error: grpc.ServiceError | null, answer?: R) => void) => grpc.ClientWritableStream<T>, messages: Iterable<T>): Promise<R> {
  return new Promise((resolve, reject) => {
    const call = open((error, answer) => (error ? reject(error) : resolve(answer!)));
    const writeAll = async () => {
      for (const message of messages) await write(call, message);
      call.end();
    };
    writeAll().catch(() => undefined);
  });
}

function write<T>(call: grpc.ClientWritableStream<T>, message: T): Promise<void> {
  return new Promise((resolve, reject) => {
    if (call.destroyed || call.writableEnded) return reject(new Error('upload stream closed'));
    if (call.write(message)) return resolve();
    const onDrain = () => {
      call.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      call.off('drain', onDrain);
      reject(error);
    };
    call.once('drain', onDrain);
    call.once('error', onError);
  });
}

/** A unary call as a promise. */
function unary<T>(invoke: (done: (error: grpc.ServiceError | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => invoke((error, value) => (error ? reject(error) : resolve(value!))));
}
