/**
 * Calls to the coordinator's Federation service with raw protobuf bytes, below the typed client: what
 * a fuzzer or a hostile clinic sends. Every call ends in an Outcome (its status), never a throw.
 *
 * ```ts
 * const client = new grpc.Client(coordinator.grpcAddress, tls.credentials());
 * const bytes = encodeRequest(`${FEDERATION}GetLedgerHead`, { clinicId: 'clinic-a' });
 * const outcome = await sendRaw(client, `${FEDERATION}GetLedgerHead`, [bytes], signBytes(identity, `${FEDERATION}GetLedgerHead`, bytes));
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../../common/proto-options.js';
import { signDetached, type ClinicIdentity } from '../../crypto/index.js';
import { NONCE_HEX_DIGITS, requestStatement, signRequest, SIGNED_METADATA } from '../../wire/request-signing.js';

/** The method path prefix: `${FEDERATION}Register` is the Register RPC. */
export const FEDERATION = '/cohort.v1.Federation/';
/** A call not answered by then counts as a hang (generous: CI machines run many suites at once). */
export const CALL_DEADLINE_MS = 15_000;

const definition = protoLoader.loadSync(FEDERATION_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] });
const service = definition['cohort.v1.Federation'] as protoLoader.ServiceDefinition;
const methodOf = (path: string) => Object.values(service).find((m) => m.path === path)!;

/** A request message of the RPC at `path` as protobuf bytes. */
export const encodeRequest = (path: string, message: object): Buffer => Buffer.from(methodOf(path).requestSerialize(message));

/** How an RPC streams: a client stream sends a sequence, a server stream answers with one. */
export type CallKind = 'unary' | 'server' | 'client';
export const callKind = (path: string): CallKind => {
  const m = methodOf(path);
  return m.requestStream ? 'client' : m.responseStream ? 'server' : 'unary';
};

/** How a raw call ended. */
export interface Outcome {
  code: grpc.status;
  details: string;
  /** Messages the server sent (server streams). */
  messages: number;
}

const passThrough = (b: Buffer) => b;

export function rawUnary(client: grpc.Client, path: string, bytes: Buffer, metadata: grpc.Metadata, deadlineMs = CALL_DEADLINE_MS): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, passThrough, passThrough, bytes, metadata, { deadline: Date.now() + deadlineMs }, (error: grpc.ServiceError | null) =>
      resolve(error ? { code: error.code, details: error.details, messages: 0 } : { code: grpc.status.OK, details: '', messages: 1 }),
    );
  });
}

export function rawServerStream(client: grpc.Client, path: string, bytes: Buffer, metadata: grpc.Metadata, deadlineMs = CALL_DEADLINE_MS): Promise<Outcome> {
  return new Promise((resolve) => {
    let messages = 0;
    const call = client.makeServerStreamRequest(path, passThrough, passThrough, bytes, metadata, { deadline: Date.now() + deadlineMs });
    call.on('data', () => messages++);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => resolve({ code: s.code, details: s.details, messages }));
  });
}

export function rawClientStream(
  client: grpc.Client,
  path: string,
  messages: Buffer[],
  metadata: grpc.Metadata,
  deadlineMs = CALL_DEADLINE_MS,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const call = client.makeClientStreamRequest(
      path,
      passThrough,
      passThrough,
      metadata,
      { deadline: Date.now() + deadlineMs },
      (error: grpc.ServiceError | null) =>
        resolve(error ? { code: error.code, details: error.details, messages: 0 } : { code: grpc.status.OK, details: '', messages: 1 }),
    );
    call.on('error', () => undefined);
    for (const message of messages) call.write(message);
    call.end();
  });
}

/**
 * Sends `messages` the way the RPC at `path` streams (unary and server-stream RPCs take the first, or
 * none). WatchTasks, which never ends by itself once admitted, is cut after `watchDeadlineMs`.
 */
export function sendRaw(client: grpc.Client, path: string, messages: Buffer[], metadata: grpc.Metadata, watchDeadlineMs = CALL_DEADLINE_MS): Promise<Outcome> {
  switch (callKind(path)) {
    case 'client':
      return rawClientStream(client, path, messages, metadata);
    case 'server':
      return rawServerStream(client, path, messages[0] ?? Buffer.alloc(0), metadata, path.endsWith('/WatchTasks') ? watchDeadlineMs : CALL_DEADLINE_MS);
    default:
      return rawUnary(client, path, messages[0] ?? Buffer.alloc(0), metadata);
  }
}

/**
 * The metadata signing `bytes` as `signer`: over the canonical form of the decoded request when the
 * bytes decode (what the coordinator verifies), else over the raw bytes (which it then cannot match).
 */
export function signBytes(signer: ClinicIdentity, path: string, bytes: Buffer | null): grpc.Metadata {
  if (bytes === null) return signRequest(signer, path, {});
  try {
    return signRequest(signer, path, bytes);
  } catch {
    const now = Date.now();
    const nonce = Buffer.from(Array.from({ length: NONCE_HEX_DIGITS / 2 }, () => Math.floor(Math.random() * 256))).toString('hex');
    const metadata = new grpc.Metadata();
    metadata.set(SIGNED_METADATA.clinicId, signer.clinicId);
    metadata.set(SIGNED_METADATA.timestamp, String(now));
    metadata.set(SIGNED_METADATA.nonce, nonce);
    metadata.set(SIGNED_METADATA.signature, Buffer.from(signDetached(signer, requestStatement(path, signer.clinicId, now, nonce, bytes))));
    return metadata;
  }
}
