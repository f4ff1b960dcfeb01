import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createHash, randomBytes } from 'node:crypto';
import { signDetached, type ClinicIdentity } from '../crypto/index.js';
import { FEDERATION_PROTO, PROTO_INCLUDE_DIR } from '../common/paths.js';
import { PROTO_LOADER_OPTIONS } from '../common/proto-options.js';

/**
 * Every call a clinic makes is signed with its enrolled Ed25519 identity, in gRPC metadata:
 *
 *   cohort-clinic-id       the signer
 *   cohort-timestamp       unix milliseconds; the coordinator refuses calls outside its window
 *   cohort-nonce           32 hex digits, never accepted twice
 *   cohort-signature-bin   Ed25519 over {@link requestStatement}
 *
 * The statement binds the method, the signer, the time, the nonce and the digest of the request's
 * canonical protobuf bytes (for a client stream, its first message: an upload's header carries the
 * payload's digest, and each key envelope carries its own signature). The request names its study and
 * round, so a signed call cannot be replayed, moved to another method, study or round, or altered.
 */
export const SIGNED_METADATA = {
  clinicId: 'cohort-clinic-id',
  timestamp: 'cohort-timestamp',
  nonce: 'cohort-nonce',
  signature: 'cohort-signature-bin',
} as const;

export const NONCE_HEX_DIGITS = 32;

/** The bytes a clinic signs for one call. */
export function requestStatement(method: string, clinicId: string, timestamp: number, nonce: string, canonicalRequest: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(canonicalRequest).digest('hex');
  return new TextEncoder().encode(`cohort/request/v1\n${method}\n${clinicId}\n${timestamp}\n${nonce}\n${digest}`);
}

interface MethodCodec {
  serialize(message: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

let codecs: Map<string, MethodCodec> | undefined;

/** Request codecs of the Federation service by method path (`/cohort.v1.Federation/Register`). */
function methodCodecs(): Map<string, MethodCodec> {
  if (!codecs) {
    const definition = protoLoader.loadSync(FEDERATION_PROTO, { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_INCLUDE_DIR] });
    const service = definition['cohort.v1.Federation'] as protoLoader.ServiceDefinition;
    codecs = new Map(Object.values(service).map((method) => [method.path, { serialize: method.requestSerialize, deserialize: method.requestDeserialize }]));
  }
  return codecs;
}

/** The Federation methods by path, for callers that walk every RPC (fuzz tests, limits). */
export function federationMethodPaths(): string[] {
  return [...methodCodecs().keys()];
}

/**
 * A request's canonical bytes: its encoding once decoded with the loader's defaults, which is what
 * the coordinator re-encodes from the message it received. `decoded` says the message is already in
 * that form (the coordinator's side); a client's message is first decoded from its own encoding.
 */
export function canonicalRequest(method: string, message: unknown, decoded: boolean): Buffer {
  const codec = methodCodecs().get(method);
  if (!codec) throw new Error(`${method} is not a method of cohort.v1.Federation`);
  const normal = decoded ? message : codec.deserialize(Buffer.isBuffer(message) ? message : codec.serialize(message));
  return codec.serialize(normal);
}

/** The metadata that signs one call of `identity`. */
export function signRequest(identity: ClinicIdentity, method: string, message: unknown, now = Date.now()): grpc.Metadata {
  const nonce = randomBytes(NONCE_HEX_DIGITS / 2).toString('hex');
  const statement = requestStatement(method, identity.clinicId, now, nonce, canonicalRequest(method, message, false));
  const metadata = new grpc.Metadata();
  metadata.set(SIGNED_METADATA.clinicId, identity.clinicId);
  metadata.set(SIGNED_METADATA.timestamp, String(now));
  metadata.set(SIGNED_METADATA.nonce, nonce);
  metadata.set(SIGNED_METADATA.signature, Buffer.from(signDetached(identity, statement)));
  return metadata;
}

/**
 * A client interceptor signing every call as `identity`. The call's metadata is held back until its
 * first message is known (grpc-js starts a call before its first message), then signed over it.
 */
export function signingInterceptor(identity: ClinicIdentity): grpc.Interceptor {
  return (options, nextCall) => {
    const method = options.method_definition.path;
    let start: { metadata: grpc.Metadata; listener: grpc.Listener; next: (metadata: grpc.Metadata, listener: grpc.Listener) => void } | undefined;
    const sendStart = (message: unknown) => {
      if (!start) return;
      const { metadata, listener, next } = start;
      start = undefined;
      metadata.merge(signRequest(identity, method, message));
      next(metadata, listener);
    };
    const requester = new grpc.RequesterBuilder()
      .withStart((metadata, listener, next) => {
        start = { metadata, listener, next };
      })
      .withSendMessage((message, next) => {
        sendStart(message);
        next(message);
      })
      // A stream closed before any message: signed over an empty request, which the coordinator refuses as empty.
      .withHalfClose((next) => {
        sendStart({});
        next();
      })
      .build();
    return new grpc.InterceptingCall(nextCall(options), requester);
  };
}
