import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';

/**
 * The coordinator's answer when a round went on without this node (closed or failed, gone, already
 * holding its update): not the node's error.
 */
export function roundMovedOn(error: unknown): boolean {
  const code = (error as ServiceError).code;
  return code === status.FAILED_PRECONDITION || code === status.NOT_FOUND || code === status.ALREADY_EXISTS;
}

/** `UNAVAILABLE: read ECONNRESET`, or an error's message. */
export function describeError(error: unknown): string {
  const { code, details, message } = error as Partial<ServiceError>;
  return typeof code === 'number' ? `${status[code] ?? code}: ${details ?? message}` : String(message ?? error);
}
