import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ChunkAssembler, DEFAULT_CHUNK_BYTES, sha256, splitIntoChunks } from '../../common/chunk-stream.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../../common/proto-options.js';
import { plainFloat32Codec } from '../../crypto/index.js';
import type { ProtoGrpcType } from '../../protos/generated/federation.js';
import type { EvaluationReport } from '../../protos/generated/cohort/v1/EvaluationReport.js';
import type { FederationClient as GrpcFederationClient } from '../../protos/generated/cohort/v1/Federation.js';
import type { ModelHeader__Output } from '../../protos/generated/cohort/v1/ModelHeader.js';
import type { RegisterRequest } from '../../protos/generated/cohort/v1/RegisterRequest.js';
import type { RegisterResponse__Output } from '../../protos/generated/cohort/v1/RegisterResponse.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { UpdateHeader } from '../../protos/generated/cohort/v1/UpdateHeader.js';
import type { UploadAck__Output } from '../../protos/generated/cohort/v1/UploadAck.js';

let definition: ProtoGrpcType | undefined;

/** The raw generated client, for callers that need the streams themselves (tests of malformed uploads). */
export function createGrpcClient(address: string, credentials = grpc.credentials.createInsecure()): GrpcFederationClient {
  const { Federation } = loadDefinition().cohort.v1;
  return new Federation(address, credentials, { 'grpc.max_receive_message_length': DEFAULT_CHUNK_BYTES * 4 });
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

  constructor(address: string, credentials = grpc.credentials.createInsecure()) {
    this.client = createGrpcClient(address, credentials);
  }

  async register(request: RegisterRequest): Promise<RegisterResponse__Output> {
    const response = await new Promise<RegisterResponse__Output>((resolve, reject) =>
      this.client.register(request, (error, value) => (error ? reject(error) : resolve(value!))),
    );
    if (response.maxChunkBytes > 0) this.chunkBytes = Math.min(this.chunkBytes, response.maxChunkBytes);
    return response;
  }

  watchTasks(clinicId: string): grpc.ClientReadableStream<Task__Output> {
    return this.client.watchTasks({ clinicId });
  }

  /** Sends header then chunks, respecting flow control; resolves with the coordinator's acknowledgement. */
  uploadUpdate(update: OutgoingUpdate): Promise<UploadAck__Output> {
    const { payload, ...fields } = update;
    return new Promise((resolve, reject) => {
      const call = this.client.uploadUpdate((error, ack) => (error ? reject(error) : resolve(ack!)));
      const writeAll = async () => {
        await write(call, { header: { ...fields, totalBytes: payload.length, sha256: sha256(payload) } });
        for (const data of splitIntoChunks(payload, this.chunkBytes)) await write(call, { data });
        call.end();
      };
      // A refusal mid-stream stops the writes; the callback above reports it.
      writeAll().catch(() => undefined);
    });
  }

  /** Downloads a model version and decodes it, checking size and digest against the header. */
  async downloadModel(clinicId: string, studyId: string, modelVersion: number): Promise<{ header: ModelHeader__Output; parameters: Float32Array }> {
    const call = this.client.downloadModel({ clinicId, studyId, modelVersion });
    let header: ModelHeader__Output | undefined;
    let assembler: ChunkAssembler | undefined;
    for await (const chunk of call as AsyncIterable<{ header?: ModelHeader__Output | null; data?: Buffer }>) {
      if (chunk.header) {
        header = chunk.header;
        const expected = plainFloat32Codec.encodedBytes(header.model?.numParameters ?? 0);
        if (header.totalBytes !== expected) throw new Error(`model stream declares ${header.totalBytes} bytes, its spec needs ${expected}`);
        assembler = new ChunkAssembler(header.totalBytes, header.sha256, `model version ${modelVersion} of study ${studyId}`);
      } else if (chunk.data) {
        if (!assembler) throw new Error('model stream sent data before its header');
        assembler.push(chunk.data);
      }
    }
    if (!header || !assembler) throw new Error(`model stream for version ${modelVersion} ended without a header`);
    const numParameters = header.model?.numParameters ?? 0;
    return { header, parameters: plainFloat32Codec.decode(assembler.finish(), numParameters) };
  }

  reportEvaluation(report: EvaluationReport): Promise<void> {
    return new Promise((resolve, reject) => this.client.reportEvaluation(report, (error) => (error ? reject(error) : resolve())));
  }

  close(): void {
    this.client.close();
  }
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
