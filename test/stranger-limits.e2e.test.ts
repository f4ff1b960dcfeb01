import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { createGrpcClient } from '../clinic-node/client/federation-client.js';
import { loopbackTls, type LoopbackTls } from '../common/tls/loopback.js';
import { startCoordinator, type RunningCoordinator } from '../coordinator/index.js';
import { cardOf, createIdentity } from '../crypto/index.js';
import { headerOnlyCall, openSession, silentSocket } from './support/idle-streams.js';

const REGISTER = '/cohort.v1.Federation/Register';
const HOST = '127.0.0.1';

/** A TLS connection to the gRPC port that completes its handshake (ALPN h2) and then says nothing; `closed` once the server drops it. */
function quietTlsConnection(port: number, caPem: string): Promise<{ closed: Promise<void>; isOpen: () => boolean; end: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: HOST, port, ca: caPem, servername: 'localhost', ALPNProtocols: ['h2'] });
    let open = true;
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        open = false;
        done();
      }),
    );
    socket.on('error', () => undefined);
    socket.resume(); // reads (and drops) what the server sends, so its closing is seen
    socket.once('secureConnect', () => resolve({ closed, isOpen: () => open && !socket.destroyed, end: () => socket.destroy() }));
    socket.once('close', () => reject(new Error('closed before the TLS handshake finished')));
  });
}

describe('limits for strangers on the gRPC port', () => {
  let tls: LoopbackTls;
  let coordinator: RunningCoordinator;
  let port: number;

  beforeAll(async () => {
    tls = await loopbackTls();
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: ':memory:',
      logLevels: false,
      tls: tls.server,
      maxStreamsPerConnection: 4,
      maxConnectionsPerAddress: 6,
      firstMessageTimeoutMs: 300,
      handshakeTimeoutMs: 300,
      idleConnectionTimeoutMs: 1_000,
    });
    port = Number(coordinator.grpcAddress.split(':').pop());
  });

  afterAll(async () => {
    await coordinator?.close();
  });

  it('ends a call that sends no message by the deadline with UNAUTHENTICATED, and frees its stream', async () => {
    const session = await openSession(HOST, port, tls.caPem);
    try {
      const ends = await Promise.all(Array.from({ length: 4 }, () => headerOnlyCall(session, REGISTER)));
      for (const end of ends) {
        expect(end.status).toBe(grpc.status.UNAUTHENTICATED);
        expect(end.message).toBe(`${REGISTER}: no request within 300 ms of the call's headers; a call sends its signed request at once`);
        // The client never ended its side: the stream closed because the coordinator reset it after answering.
        expect(end.rstCode).toBe(0);
      }
      // The four freed places take four more calls on the same connection.
      const again = await Promise.all(Array.from({ length: 4 }, () => headerOnlyCall(session, REGISTER)));
      expect(again.map((end) => end.status)).toEqual(Array(4).fill(grpc.status.UNAUTHENTICATED));
    } finally {
      session.destroy();
    }
  });

  it('spares a call whose signed request came in time, however long it then stays open', async () => {
    const clinic = createIdentity('clinic-patient');
    await coordinator.keys.enrol(cardOf(clinic));
    const client = createGrpcClient(coordinator.grpcAddress, { identity: clinic, credentials: tls.credentials() });
    try {
      const registration = { clinicId: clinic.clinicId, dataset: 'fed-heart-disease', site: 'cleveland', numTrain: 10, numTest: 5, nodeVersion: 'test' };
      await new Promise<void>((resolve, reject) => client.register(registration, (error) => (error ? reject(error) : resolve())));
      const stream = client.watchTasks({ clinicId: clinic.clinicId });
      const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      stream.on('data', () => undefined);
      stream.on('error', () => undefined);
      // Ten times the deadline later, the task stream is still open: only a call without its first message is cut.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(stream.closed).toBe(false);
      stream.cancel();
      expect((await ended).code).toBe(grpc.status.CANCELLED);
    } finally {
      client.close();
    }
  });

  it('advertises the per-connection stream cap; calls past it wait for a place a refused call frees', async () => {
    const session = await openSession(HOST, port, tls.caPem);
    try {
      await new Promise<void>((resolve) => (session.remoteSettings.maxConcurrentStreams === 4 ? resolve() : session.once('remoteSettings', () => resolve())));
      expect(session.remoteSettings.maxConcurrentStreams).toBe(4);
      // Ten calls at once on one connection: four at a time, each refused at the deadline, its place then taken by the next.
      const ends = await Promise.all(Array.from({ length: 10 }, () => headerOnlyCall(session, REGISTER)));
      expect(ends.map((end) => [end.status, end.rstCode])).toEqual(Array(10).fill([grpc.status.UNAUTHENTICATED, 0]));
    } finally {
      session.destroy();
    }
  });

  it('closes a connection whose TLS handshake never starts', async () => {
    const { closed } = await silentSocket(HOST, port);
    await closed;
  });

  it('closes a connection that finished TLS but opens no call', async () => {
    const connection = await quietTlsConnection(port, tls.caPem);
    await connection.closed;
  });

  it('holds at most maxConnectionsPerAddress connections from one address, and takes another once one closes', async () => {
    await waitUntil(() => countFrom(coordinator) === 0); // the connections of the tests before are gone
    const held = await Promise.all(Array.from({ length: 6 }, () => openSession(HOST, port, tls.caPem)));
    try {
      // The seventh is closed as soon as it is accepted: no handshake.
      await expect(quietTlsConnection(port, tls.caPem)).rejects.toThrow('closed before the TLS handshake finished');
      expect(held.every((session) => !session.closed && !session.destroyed)).toBe(true);
      // One goes; a new one gets its place.
      const closing = held.pop()!;
      await new Promise<void>((resolve) => {
        closing.once('close', () => resolve());
        closing.destroy();
      });
      await waitUntil(() => countFrom(coordinator) < 6);
      const replacement = await openSession(HOST, port, tls.caPem);
      held.push(replacement);
      const end = await headerOnlyCall(replacement, REGISTER);
      expect(end.status).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      for (const session of held) session.destroy();
    }
  });

  it('keeps answering /health meanwhile', async () => {
    const response = await fetchHealth(coordinator.httpUrl, tls.caPem);
    expect(response).toBe(200);
  });
});

const countFrom = (coordinator: RunningCoordinator) => coordinator.connectionsFrom(HOST);

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function fetchHealth(httpUrl: string, caPem: string): Promise<number> {
  const { request } = httpUrl.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(`${httpUrl}/health`, { ca: caPem || undefined }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('calls waiting for their first message, per address', () => {
  let tls: LoopbackTls;
  let coordinator: RunningCoordinator;
  let port: number;

  beforeAll(async () => {
    tls = await loopbackTls();
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: ':memory:',
      logLevels: false,
      tls: tls.server,
      maxPendingCallsPerAddress: 3,
      firstMessageTimeoutMs: 5_000,
    });
    port = Number(coordinator.grpcAddress.split(':').pop());
  });

  afterAll(async () => {
    await coordinator?.close();
  });

  it('refuses one more at once with RESOURCE_EXHAUSTED, and takes calls again once those waiting are gone', async () => {
    const sessions = await Promise.all([openSession(HOST, port, tls.caPem), openSession(HOST, port, tls.caPem)]);
    try {
      // Three wait (two connections, one address); the fourth is refused at once, the three at the deadline.
      const waiting = [headerOnlyCall(sessions[0]!, REGISTER), headerOnlyCall(sessions[0]!, REGISTER), headerOnlyCall(sessions[1]!, REGISTER)];
      const extra = await headerOnlyCall(sessions[1]!, REGISTER);
      expect(extra).toEqual({
        status: grpc.status.RESOURCE_EXHAUSTED,
        message: `${REGISTER}: 127.0.0.1 already has 3 calls waiting for their first message, the most one address may (maxPendingCallsPerAddress)`,
        rstCode: 0,
      });
      expect((await Promise.all(waiting)).map((end) => end.status)).toEqual(Array(3).fill(grpc.status.UNAUTHENTICATED));
      // Refused at the deadline, those three gave their places back.
      const next = await Promise.all([headerOnlyCall(sessions[0]!, REGISTER), headerOnlyCall(sessions[1]!, REGISTER), headerOnlyCall(sessions[1]!, REGISTER)]);
      expect(next.map((end) => end.status)).toEqual(Array(3).fill(grpc.status.UNAUTHENTICATED));
    } finally {
      for (const session of sessions) session.destroy();
    }
  });
});

describe('limits for strangers without TLS (--insecure)', () => {
  let coordinator: RunningCoordinator;
  let port: number;

  beforeAll(async () => {
    coordinator = await startCoordinator({
      grpcPort: 0,
      httpPort: 0,
      database: ':memory:',
      logLevels: false,
      insecure: true,
      maxConnectionsPerAddress: 2,
      firstMessageTimeoutMs: 300,
      idleConnectionTimeoutMs: 1_000,
    });
    port = Number(coordinator.grpcAddress.split(':').pop());
  });

  afterAll(async () => {
    await coordinator?.close();
  });

  it('refuses a connection past the cap while those it holds keep working, and closes one that never speaks HTTP/2', async () => {
    const held = await Promise.all([connectPlain(port), connectPlain(port)]);
    try {
      const { closed } = await silentSocket(HOST, port);
      await closed; // refused on accept
      const ends = await Promise.all(held.map((session) => headerOnlyCall(session, REGISTER)));
      expect(ends.map((end) => [end.status, end.rstCode])).toEqual(Array(2).fill([grpc.status.UNAUTHENTICATED, 0]));
    } finally {
      for (const session of held) session.destroy();
    }
    await waitUntil(() => countFrom(coordinator) === 0);
    const silent = await silentSocket(HOST, port);
    await silent.closed; // no preface ever: the idle timeout
    expect(await fetchHealth(coordinator.httpUrl, '')).toBe(200);
  });
});

function connectPlain(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://${HOST}:${port}`);
    session.once('connect', () => {
      session.on('error', () => undefined);
      resolve(session);
    });
    session.once('error', reject);
  });
}
