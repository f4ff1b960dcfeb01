/**
 * A request id for every HTTP request: the caller's `X-Request-Id` when it is a short token, else a
 * new UUID; sent back in the answer's `X-Request-Id`, kept for every log line written while the
 * request is handled, and logged once when the answer is sent (method, path, status, duration).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/logging/logger.js';

const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

const requests = new AsyncLocalStorage<string>();

/** The id of the HTTP request being handled, if any. */
export function currentRequestId(): string | undefined {
  return requests.getStore();
}

/** What a caller may choose as its own request id: a short token, nothing a log reader could mistake for structure. */
const CALLER_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Express middleware: assigns the id, runs the rest of the request inside it, logs the answer. */
export function requestLogging(logger: Logger) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && CALLER_ID.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = (request.url ?? '').split('?')[0];
      // Probes and scrapes come every few seconds: at debug, so they do not drown the requests people make.
      const level = response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : QUIET_PATHS.has(path ?? '') ? 'debug' : 'info';
      logger[level](
        { requestId, method: request.method, path, status: response.statusCode, durationMs: Math.round(ms * 10) / 10, remote: request.socket.remoteAddress },
        `${request.method} ${path} ${response.statusCode}`,
      );
    });
    requests.run(requestId, next);
  };
}
