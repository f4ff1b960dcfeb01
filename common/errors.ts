import { status } from '@grpc/grpc-js';

/**
 * A refusal that crosses the wire: the gRPC status code tells the caller what kind of mistake it
 * made, the message says exactly what was wrong. Thrown by coordinator and node alike.
 */
export class FederationError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'FederationError';
  }

  /** The shape grpc-js sends as a status: a numeric code and the details line. */
  toGrpcStatus(): { code: status; details: string; message: string } {
    return { code: this.code, details: this.message, message: this.message };
  }
}

export const refuse = {
  invalid: (message: string) => new FederationError(status.INVALID_ARGUMENT, message),
  notFound: (message: string) => new FederationError(status.NOT_FOUND, message),
  unauthenticated: (message: string) => new FederationError(status.UNAUTHENTICATED, message),
  denied: (message: string) => new FederationError(status.PERMISSION_DENIED, message),
  duplicate: (message: string) => new FederationError(status.ALREADY_EXISTS, message),
  precondition: (message: string) => new FederationError(status.FAILED_PRECONDITION, message),
  dataLoss: (message: string) => new FederationError(status.DATA_LOSS, message),
  tooLarge: (message: string) => new FederationError(status.RESOURCE_EXHAUSTED, message),
};
