import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ConnectionGuard } from './connection-guard.js';

/** A loopback TCP server that keeps every connection; the guard watches its port. */
async function listening(): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, accepted };
}

/** Connects and resolves with the client socket and whether the server dropped it before it had a chance to use it. */
function dial(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('ConnectionGuard', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0)) step();
    jest.restoreAllMocks();
  });

  it('holds one address to its cap, logs the first refusal once, and gives a place back when a connection closes', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { server, port, accepted } = await listening();
    const guard = new ConnectionGuard(port, 2);
    guard.start();
    const sockets: Socket[] = [];
    cleanup.push(() => {
      guard.stop();
      for (const socket of sockets) socket.destroy();
      server.close();
    });

    const first = await dial(port);
    const second = await dial(port);
    sockets.push(first.socket, second.socket);
    await until(() => guard.connectionsFrom('127.0.0.1') === 2);
    expect(warn).not.toHaveBeenCalled();

    const third = await dial(port);
    const fourth = await dial(port);
    sockets.push(third.socket, fourth.socket);
    await third.closed;
    await fourth.closed;
    expect(guard.connectionsFrom('127.0.0.1')).toBe(2);
    expect(first.socket.destroyed || second.socket.destroyed).toBe(false);
    // Two refusals, one line: the next would come a minute later.
    expect(warn.mock.calls).toEqual([
      [
        'refused a gRPC connection from 127.0.0.1: it already holds 2 connections, the most one address may (maxConnectionsPerAddress); further refusals from it are logged once a minute',
      ],
    ]);

    first.socket.destroy();
    await until(() => guard.connectionsFrom('127.0.0.1') === 1);
    const fifth = await dial(port);
    sockets.push(fifth.socket);
    await until(() => guard.connectionsFrom('127.0.0.1') === 2);
    expect(accepted.filter((socket) => !socket.destroyed)).toHaveLength(2);
  });

  it('leaves sockets on other ports alone, and stops counting once stopped', async () => {
    const watched = await listening();
    const other = await listening();
    const guard = new ConnectionGuard(watched.port, 1);
    guard.start();
    const sockets: Socket[] = [];
    cleanup.push(() => {
      guard.stop();
      for (const socket of sockets) socket.destroy();
      watched.server.close();
      other.server.close();
    });
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    const elsewhere = await Promise.all([dial(other.port), dial(other.port)]);
    sockets.push(...elsewhere.map((d) => d.socket));
    await until(() => other.accepted.length === 2);
    expect(other.accepted.every((socket) => !socket.destroyed)).toBe(true);
    expect(guard.connectionsFrom('127.0.0.1')).toBe(0);

    guard.stop();
    const unguarded = await Promise.all([dial(watched.port), dial(watched.port)]);
    sockets.push(...unguarded.map((d) => d.socket));
    await until(() => watched.accepted.length === 2);
    expect(watched.accepted.every((socket) => !socket.destroyed)).toBe(true);
  });
});
