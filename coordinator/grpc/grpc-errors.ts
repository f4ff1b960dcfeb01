import { Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { FederationError } from '../../common/errors.js';

/** The gRPC service every controller of the contract serves (protos/cohort/v1/federation.proto). */
export const FEDERATION_SERVICE = 'Federation';

const logger = new Logger('FederationRpc');

/** A refusal as a gRPC status; anything else is a bug, logged here and reported as INTERNAL. */
export function toGrpcError(error: unknown) {
  if (error instanceof FederationError) return error.toGrpcStatus();
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new FederationError(status.INTERNAL, `coordinator error: ${error instanceof Error ? error.message : String(error)}`).toGrpcStatus();
}

/**
 * Maps refusals to an RpcException, which Nest's gRPC transport passes on as the call's status.
 * Takes the work itself when mapping the request can refuse too (a malformed field), so that
 * refusal is mapped the same way.
 */
export async function rethrow<T>(work: Promise<T> | (() => Promise<T>)): Promise<T> {
  try {
    return await (typeof work === 'function' ? work() : work);
  } catch (error) {
    throw new RpcException(toGrpcError(error));
  }
}
