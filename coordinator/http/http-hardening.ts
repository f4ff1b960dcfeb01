import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { Server } from 'node:http';

/** Deepest nesting of objects and arrays a JSON body may have; study definitions and cards need fewer than 5. */
export const MAX_JSON_DEPTH = 64;

/** How long the coordinator's HTTP server waits for a request's parts (CoordinatorOptions.http*TimeoutMs). */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * What the people's HTTP side gets before Nest registers its routes: security headers (helmet), no
 * `X-Powered-By`, a JSON body parser that refuses bodies nested deeper than {@link MAX_JSON_DEPTH}
 * with a 400, and header, request and keep-alive timeouts on the server Nest created (HTTP or HTTPS).
 */
export function hardenHttp(app: NestExpressApplication, timeouts: HttpTimeouts, { tls = true }: { tls?: boolean } = {}): void {
  app.disable('x-powered-by');
  // Over plain HTTP (--insecure) the console's files must load as they are, not be upgraded to an https:// that is not there.
  app.use(helmet(tls ? {} : { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Nest registers its own JSON parser only when none is there yet, so this one replaces it.
  app.useBodyParser('json', { verify: (_request: unknown, _response: unknown, body: Buffer) => checkJsonDepth(body, MAX_JSON_DEPTH) });
  applyTimeouts(app.getHttpServer() as Server, timeouts);
}

/** Node reads these from the server at each check, so setting them before `listen` is enough. */
export function applyTimeouts(server: Server & { connectionsCheckingInterval?: number }, timeouts: HttpTimeouts): void {
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  // How often expired requests are looked for (read when the server starts listening); Node's default is 30 s.
  server.connectionsCheckingInterval = Math.min(1000, timeouts.headersTimeoutMs);
}

/** A body-parser error: its status is the answer's, its message the answer's message. */
class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly type = 'entity.too.deep';
  constructor(limit: number) {
    super(`the JSON body is nested more than ${limit} levels deep`);
    this.name = 'JsonTooDeepError';
  }
}

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Throws when the raw JSON bytes nest objects and arrays deeper than `limit`, before anything is
 * parsed: one pass, no recursion, so a body 45,000 levels deep costs no more than its length. Brackets
 * inside strings do not count; malformed JSON is left for the parser to refuse.
 */
export function checkJsonDepth(body: Uint8Array, limit: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > limit) throw new JsonTooDeepError(limit);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
}
