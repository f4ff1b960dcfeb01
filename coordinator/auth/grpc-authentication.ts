import * as grpc from '@grpc/grpc-js';
import { FederationError, refuse } from '../../common/errors.js';
import type { RequestAuthenticator } from './request-authenticator.js';

/** What the interceptor needs once the app is up (it is configured before Nest creates the services). */
export interface CallGate {
  authenticator: RequestAuthenticator;
  /** Most calls one clinic may have open at once (task streams, uploads, long-polling stages). */
  maxCallsPerClinic: number;
}

/**
 * A grpc-js server interceptor in front of every Federation method: the first message of a call is
 * authenticated (signer enrolled, signature, window, nonce) before any handler sees it, every later
 * message must speak for the same clinic, and a clinic holds at most `maxCallsPerClinic` calls open.
 * A refused call ends with its status here; its handler never runs (or, for a client stream, never
 * receives a message).
 */
export function authenticationInterceptor(gate: () => CallGate | undefined): grpc.ServerInterceptor {
  const open = new Map<string, number>();
  return (method, call) => {
    let metadata: grpc.Metadata | undefined;
    let signer: string | undefined;
    let ended = false;
    let chain = Promise.resolve();
    const release = () => {
      if (signer === undefined || ended) return;
      ended = true;
      const left = (open.get(signer) ?? 1) - 1;
      if (left > 0) open.set(signer, left);
      else open.delete(signer);
    };
    const refuseCall = (error: unknown) => {
      release();
      ended = true;
      const failure = error instanceof FederationError ? error : refuse.invalid(`${method.path}: ${(error as Error).message}`);
      call.sendStatus({ code: failure.code, details: failure.message, metadata: new grpc.Metadata() });
    };
    const admit = async (message: unknown): Promise<void> => {
      const current = gate();
      if (!current) throw new FederationError(grpc.status.UNAVAILABLE, 'the coordinator is starting');
      if (signer !== undefined) return current.authenticator.checkNamedClinic(method.path, message, signer);
      const clinicId = await current.authenticator.authenticate(method.path, message, metadata ?? new grpc.Metadata());
      const calls = open.get(clinicId) ?? 0;
      if (calls >= current.maxCallsPerClinic) throw refuse.tooLarge(`clinic ${clinicId} already has ${calls} calls open, the most one clinic may hold`);
      open.set(clinicId, calls + 1);
      signer = clinicId;
    };
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((received, next) => {
        metadata = received;
        next(received);
      })
      // Messages are admitted in order, one at a time; a later one waits for the verdict on the first.
      .withOnReceiveMessage((message, next) => {
        chain = chain.then(async () => {
          if (ended) return;
          try {
            await admit(message);
            next(message);
          } catch (error) {
            refuseCall(error);
          }
        });
      })
      .withOnCancel(release)
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        release();
        next(status);
      })
      .build();
    return new grpc.ServerInterceptingCall(call, responder);
  };
}
