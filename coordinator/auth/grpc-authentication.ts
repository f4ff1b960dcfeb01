import * as grpc from '@grpc/grpc-js';
import { FederationError, refuse } from '../../common/errors.js';
import { MessageLimits } from './message-limits.js';
import { addressOf, PendingCalls } from './pending-calls.js';
import type { RequestAuthenticator } from './request-authenticator.js';

/** What the interceptor needs once the app is up (it is configured before Nest creates the services). */
export interface CallGate {
  authenticator: RequestAuthenticator;
  /** Most calls one clinic may have open at once (task streams, uploads, long-polling stages). */
  maxCallsPerClinic: number;
  /** Structural limits on every message (message-limits.ts); default: those of 1 MiB chunks. */
  limits?: MessageLimits;
}

let defaultLimits: MessageLimits | undefined;

/** How long a call may wait for its first (signed) message, by default. */
export const DEFAULT_FIRST_MESSAGE_TIMEOUT_MS = 10_000;
/** How many calls one source address may have waiting for their first message, by default. */
export const DEFAULT_MAX_PENDING_CALLS_PER_ADDRESS = 1024;

/** What a call not yet authenticated may hold. */
export interface StrangerLimits {
  /** A call whose first message has not arrived this long after its headers ends with UNAUTHENTICATED. */
  firstMessageTimeoutMs: number;
  /** Most calls one source address may have waiting for their first message; one more ends at once with RESOURCE_EXHAUSTED. */
  maxPendingCallsPerAddress: number;
}

/** What the interceptor tells the coordinator's logs and metrics about the calls it sees (coordinator/observability). */
export interface CallObserver {
  /** A call ended with an error status: refused at admission (before any handler) or by its handler. */
  refused(refusal: { stage: 'admission' | 'handler'; method: string; peer: string; code: grpc.status; details: string; clinicId?: string }): void;
  /** A message passed admission (handlers see it next). */
  admitted?(method: string, message: unknown): void;
  /** A call ended with OK. */
  answered?(method: string, clinicId: string | undefined): void;
}

/**
 * A grpc-js server interceptor in front of every Federation method. Every message first passes the
 * structural limits (sizes of strings, bytes and lists, nesting, finite numbers, messages per call;
 * bytes that do not decode), which cost nothing; then the first message of a call is authenticated
 * (signer enrolled, signature, window, nonce) before any handler sees it, every later message must
 * speak for the same clinic, and a clinic holds at most `maxCallsPerClinic` calls open. A refused
 * call ends with its status here; its handler never runs (or, for a client stream, never receives
 * the refused message nor any after it). A call that ends without any message is refused too, and so
 * is one whose first message has not arrived `firstMessageTimeoutMs` after its headers, and one from
 * an address that already has `maxPendingCallsPerAddress` calls waiting so: a stranger cannot hold
 * calls open for nothing (the connection guard then frees the stream).
 */
export function authenticationInterceptor(
  gate: () => CallGate | undefined,
  { firstMessageTimeoutMs, maxPendingCallsPerAddress }: StrangerLimits = {
    firstMessageTimeoutMs: DEFAULT_FIRST_MESSAGE_TIMEOUT_MS,
    maxPendingCallsPerAddress: DEFAULT_MAX_PENDING_CALLS_PER_ADDRESS,
  },
  observer?: CallObserver,
): grpc.ServerInterceptor {
  const open = new Map<string, number>();
  const pending = new PendingCalls(maxPendingCallsPerAddress);
  return (method, call) => {
    const peer = call.getPeer();
    const leavePending = pending.enter(peer);
    let metadata: grpc.Metadata | undefined;
    let signer: string | undefined;
    let released = false;
    /** The call ended: refused, answered, or cancelled by the client. */
    let closed = false;
    let received = 0;
    let chain = Promise.resolve();
    const release = () => {
      if (signer === undefined || released) return;
      released = true;
      const left = (open.get(signer) ?? 1) - 1;
      if (left > 0) open.set(signer, left);
      else open.delete(signer);
    };
    const close = () => {
      closed = true;
      clearTimeout(firstMessageTimer);
      leavePending?.();
      release();
    };
    const refuseCall = (error: unknown) => {
      if (closed) return;
      close();
      const failure = error instanceof FederationError ? error : refuse.invalid(`${method.path}: ${(error as Error).message}`);
      observer?.refused({
        stage: 'admission',
        method: method.path,
        peer,
        code: failure.code,
        details: failure.message,
        ...(signer !== undefined && { clinicId: signer }),
      });
      call.sendStatus({ code: failure.code, details: failure.message, metadata: new grpc.Metadata() });
    };
    const admit = async (message: unknown, index: number): Promise<void> => {
      const current = gate();
      if (!current) throw new FederationError(grpc.status.UNAVAILABLE, 'the coordinator is starting');
      (current.limits ?? (defaultLimits ??= new MessageLimits())).check(method.path, message, index);
      if (signer !== undefined) return current.authenticator.checkNamedClinic(method.path, message, signer);
      const clinicId = await current.authenticator.authenticate(method.path, message, metadata ?? new grpc.Metadata());
      checkCertificateHolder(method.path, call.getAuthContext(), clinicId);
      const calls = open.get(clinicId) ?? 0;
      if (calls >= current.maxCallsPerClinic) throw refuse.tooLarge(`clinic ${clinicId} already has ${calls} calls open, the most one clinic may hold`);
      open.set(clinicId, calls + 1);
      signer = clinicId;
      leavePending?.();
    };
    // Until its first message arrives a call is nobody's: it may not wait longer than this.
    const firstMessageTimer = setTimeout(
      () =>
        refuseCall(
          refuse.unauthenticated(
            `${method.path}: no request within ${firstMessageTimeoutMs} ms of the call's headers; a call sends its signed request at once`,
          ),
        ),
      firstMessageTimeoutMs,
    );
    firstMessageTimer.unref();
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((incoming, next) => {
        metadata = incoming;
        next(incoming);
      })
      // Messages are admitted in order, one at a time; a later one waits for the verdict on the first.
      .withOnReceiveMessage((message, next) => {
        const index = received++;
        clearTimeout(firstMessageTimer);
        chain = chain.then(async () => {
          if (closed) return;
          try {
            await admit(message, index);
          } catch (error) {
            refuseCall(error);
            return;
          }
          // Cancelled while it was being authenticated: the slot it just took is given back, nothing passes.
          if (closed) release();
          else {
            observer?.admitted?.(method.path, message);
            next(message);
          }
        });
      })
      // A call that ends before any message was never authenticated: refused here, not left to its handler.
      .withOnReceiveHalfClose((next) => {
        if (received === 0) {
          refuseCall(refuse.invalid(`${method.path}: the call ended without a message; every call carries a request, signed by its clinic`));
          return;
        }
        chain = chain.then(() => {
          if (!closed) next();
        });
      })
      .withOnCancel(close)
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => {
        next(listener);
        if (!leavePending) {
          const address = addressOf(peer);
          refuseCall(
            refuse.tooLarge(
              `${method.path}: ${address} already has ${maxPendingCallsPerAddress} calls waiting for their first message, the most one address may (maxPendingCallsPerAddress)`,
            ),
          );
        }
      })
      .withSendStatus((status, next) => {
        const clinicId = signer;
        close();
        if (status.code === grpc.status.OK) observer?.answered?.(method.path, clinicId);
        else
          observer?.refused({
            stage: 'handler',
            method: method.path,
            peer,
            code: status.code,
            details: status.details,
            ...(clinicId !== undefined && { clinicId }),
          });
        next(status);
      })
      .build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}

/**
 * Under mutual TLS the connection's certificate names a clinic (CN = clinic id, `cohort certs
 * clinic`): a call must be signed by that same clinic, so one clinic's certificate cannot carry
 * another's calls. Without a client certificate (TLS, or --insecure) the signature alone decides.
 */
function checkCertificateHolder(method: string, context: ReturnType<grpc.ServerInterceptingCallInterface['getAuthContext']>, signer: string): void {
  const holder = context.sslPeerCertificate?.subject?.CN;
  if (holder !== undefined && holder !== signer) {
    throw refuse.denied(`${method}: the connection's client certificate is ${String(holder).slice(0, 128)}'s, the call is signed by ${signer}`);
  }
}
