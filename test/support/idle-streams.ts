/**
 * What a stranger does to hold the coordinator's memory: HTTP/2 connections (TLS, trusting the
 * run's CA) carrying gRPC calls that send their headers and never a message. Each stream resolves
 * with how it ended, as the client saw it.
 */
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { connect as tcpConnect, type Socket } from 'node:net';

/** How one header-only call ended. */
export interface StreamEnd {
  /** `grpc-status` of the trailers (or trailers-only headers); undefined if the stream ended without one. */
  status: number | undefined;
  /** `grpc-message`, decoded. */
  message: string;
  /** The RST_STREAM code that closed it (NO_ERROR when the server freed it after its answer). */
  rstCode: number;
}

/** An HTTP/2 session over TLS to `host:port`, trusting `caPem`; resolves once connected. */
export function openSession(host: string, port: number, caPem: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(`https://${host}:${port}`, { ca: caPem, servername: 'localhost' });
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => undefined);
      resolve(session);
    });
    session.once('error', reject);
  });
}

/** A gRPC call on `path` that sends its headers and nothing else, ever; `onOpen` once its stream has its id. */
export function headerOnlyCall(session: ClientHttp2Session, path: string, onOpen?: () => void): Promise<StreamEnd> {
  return new Promise((resolve) => {
    const stream = session.request(
      { [constants.HTTP2_HEADER_METHOD]: 'POST', [constants.HTTP2_HEADER_PATH]: path, 'content-type': 'application/grpc', te: 'trailers' },
      { endStream: false },
    );
    let status: number | undefined;
    let message = '';
    const read = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) {
        status = Number(headers['grpc-status']);
        message = decodeURIComponent(String(headers['grpc-message'] ?? ''));
      }
    };
    // 'ready' comes during request() when the session is already connected.
    if (onOpen && stream.pending) stream.once('ready', onOpen);
    else onOpen?.();
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ status, message, rstCode: stream.rstCode ?? constants.NGHTTP2_NO_ERROR }));
  });
}

/** A TCP connection to `host:port` that sends nothing; resolves once connected, `closed` once the server drops it. */
export function silentSocket(host: string, port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, host);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) anything, so the server's closing is seen
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}
