import { Logger } from '@nestjs/common';
import type { TLSSocket } from 'node:tls';
import diagnostics from 'node:diagnostics_channel';
import { constants as http2Constants, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

/** How often one source address's refusals are logged, at most. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** What the guard reports besides its own log lines (the coordinator's metrics). */
export interface GuardEvents {
  connectionRefused?(address: string): void;
  /** A TLS handshake on the gRPC port failed (Node's `tlsClientError`): untrusted or missing client certificate, not TLS at all, timeout. */
  handshakeRefused?(address: string | undefined, error: Error): void;
}

/**
 * Watches the sockets grpc-js accepts on the coordinator's gRPC port (Node's `net.server.socket`
 * diagnostics channel: grpc-js owns its listening servers and offers no connection hook):
 *
 * - a source address holds at most `maxConnectionsPerAddress` connections at once; one more is
 *   closed as soon as it is accepted, before any TLS or HTTP/2 work, and the refusal is logged
 *   (once a minute per address) naming the address and the cap;
 * - a stream whose response is complete (its gRPC status sent) while the client never ended its
 *   side is reset with NO_ERROR (RFC 9113 section 8.1): grpc-js leaves it open otherwise, so a call
 *   refused before its first message would keep its memory and its place among the connection's
 *   streams for as long as the client likes;
 * - a TLS handshake that fails is logged (warn) with the address and Node's reason, at most
 *   once a minute per address.
 */
export class ConnectionGuard {
  private readonly perAddress = new Map<string, number>();
  private readonly servers = new WeakSet<Server>();
  private readonly lastLogged = new Map<string, number>();
  private readonly onSocket = (message: unknown) => this.accept((message as { socket: Socket }).socket);
  private readonly logger = new Logger('ConnectionGuard');
  private started = false;

  constructor(
    /** The gRPC port: sockets accepted on any other port are not this guard's. */
    private readonly port: number,
    private readonly maxConnectionsPerAddress: number,
    private readonly events: GuardEvents = {},
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    diagnostics.subscribe('net.server.socket', this.onSocket);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    diagnostics.unsubscribe('net.server.socket', this.onSocket);
  }

  /** Connections open now from `address` (as the coordinator sees it: IPv4 addresses without the `::ffff:` prefix). */
  connectionsFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  private accept(socket: Socket): void {
    if (socket.localPort !== this.port || socket.destroyed) return;
    const server = (socket as Socket & { server?: Server }).server;
    if (server && !this.servers.has(server)) {
      this.servers.add(server);
      (server as Http2Server).on('stream', endFinishedStream);
      server.on('tlsClientError', (error: Error, tlsSocket: TLSSocket) => this.handshakeFailed(normalize(tlsSocket.remoteAddress), error));
    }
    const address = normalize(socket.remoteAddress);
    if (address === undefined) return;
    const open = this.perAddress.get(address) ?? 0;
    if (open >= this.maxConnectionsPerAddress) {
      socket.destroy();
      this.events.connectionRefused?.(address);
      this.logRefusal(address);
      return;
    }
    this.perAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  private handshakeFailed(address: string | undefined, error: Error): void {
    this.events.handshakeRefused?.(address, error);
    if (!this.mayLog(`tls ${address}`)) return;
    const code = (error as Error & { code?: string }).code;
    this.logger.warn(
      `refused a TLS handshake on the gRPC port from ${address ?? 'an unknown address'}: ${error.message}${code ? ` (${code})` : ''}; further failures from it are logged once a minute`,
    );
  }

  /** At most one line a minute per key, so a stranger cannot flood the log. */
  private mayLog(key: string): boolean {
    const now = Date.now();
    if (now - (this.lastLogged.get(key) ?? -Infinity) < REFUSAL_LOG_INTERVAL_MS) return false;
    this.lastLogged.set(key, now);
    if (this.lastLogged.size > 10_000) this.lastLogged.clear();
    return true;
  }

  private logRefusal(address: string): void {
    if (!this.mayLog(address)) return;
    this.logger.warn(
      `refused a gRPC connection from ${address}: it already holds ${this.maxConnectionsPerAddress} connections, the most one address may (maxConnectionsPerAddress); further refusals from it are logged once a minute`,
    );
  }
}

function normalize(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Once the response is complete and the client has not ended its side, the stream is reset with NO_ERROR (what Node does itself for a stream it never read). */
function endFinishedStream(stream: ServerHttp2Stream): void {
  const check = () =>
    setImmediate(() => {
      if (stream.closed || stream.destroyed || stream.readableEnded) return;
      const status = stream.sentTrailers?.['grpc-status'] ?? stream.sentHeaders?.['grpc-status'];
      if (status !== undefined) stream.close(http2Constants.NGHTTP2_NO_ERROR);
    });
  stream.once('finish', check);
  // Trailers go out after 'finish' when the last message was still queued: look again once they are sent.
  stream.once('wantTrailers', check);
}
