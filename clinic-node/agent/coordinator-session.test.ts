import { describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { Shutdown } from '../resilience/index.js';
import { CoordinatorSession, type SessionOptions } from './coordinator-session.js';
import type { TaskStream } from './task-stream.js';

const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED'), { code: status.UNAVAILABLE, details: 'connect ECONNREFUSED' });
const task = (round: number, kind = 'TASK_KIND_TRAIN') => ({ kind, studyId: 's', round }) as unknown as Task__Output;

/** A task stream that sends the given tasks (then ends, unless told to stay open) once listened to. */
function stream(tasks: Task__Output[], end = true): TaskStream & { cancelled: boolean } {
  const emitter = new EventEmitter();
  const fake = Object.assign(emitter, { cancelled: false, cancel: () => void (fake.cancelled = true) });
  emitter.once('newListener', () =>
    setImmediate(() => {
      for (const t of tasks) emitter.emit('data', t);
      if (end) emitter.emit('end');
    }),
  );
  return fake as unknown as TaskStream & { cancelled: boolean };
}

/** A coordinator whose Register answers in turn from `registers` (an error, or ok), and whose task streams come from `streams`. */
function coordinator(registers: (Error | 'ok')[], streams: (TaskStream & { cancelled: boolean })[]) {
  const calls: string[] = [];
  const client: SessionOptions['client'] = {
    register: async () => {
      const answer = registers.shift() ?? 'ok';
      calls.push(answer === 'ok' ? 'register' : 'register failed');
      if (answer !== 'ok') throw answer;
      return { maxChunkBytes: 0 } as never;
    },
    watchTasks: () => {
      calls.push('watch');
      return streams.shift() ?? stream([]);
    },
  };
  return { client, calls };
}

function session(client: SessionOptions['client'], extra: Partial<SessionOptions> = {}) {
  const logs: string[] = [];
  const shutdown = new Shutdown(extra.signal, 1000);
  const s = new CoordinatorSession({
    client,
    clinicId: 'cleveland',
    coordinator: 'coordinator:50051',
    registration: { clinicId: 'cleveland' },
    shutdown,
    reconnectBackoff: { baseMs: 1, capMs: 2 },
    log: (line) => logs.push(line),
    ...extra,
  });
  return { session: s, logs, shutdown };
}

describe('coordinator session', () => {
  it('registers, resends the outbox, then handles tasks in order until one says the study finished', async () => {
    const { client, calls } = coordinator([], [stream([task(1), task(1, 'TASK_KIND_EVALUATE'), task(2, 'TASK_KIND_STUDY_FINISHED'), task(3)], false)]);
    const { session: s } = session(client);
    const handled: string[] = [];
    const end = await s.serve(
      async () => void calls.push('outbox'),
      async (t) => {
        await new Promise((resolve) => setTimeout(resolve, 1)); // handling takes time: tasks still wait their turn
        handled.push(`${t.kind} ${t.round}`);
        return t.kind === 'TASK_KIND_STUDY_FINISHED';
      },
    );
    expect(end).toBe('finished');
    expect(calls).toEqual(['register', 'outbox', 'watch']);
    expect(handled).toEqual(['TASK_KIND_TRAIN 1', 'TASK_KIND_EVALUATE 1', 'TASK_KIND_STUDY_FINISHED 2']);
  });

  it('reconnects after an unreachable coordinator and after an ended stream, resending the outbox each time', async () => {
    const { client, calls } = coordinator([unavailable(), 'ok', 'ok'], [stream([task(1)]), stream([task(2, 'TASK_KIND_STUDY_FINISHED')])]);
    const { session: s, logs } = session(client);
    const end = await s.serve(
      async () => void calls.push('outbox'),
      async (t) => t.kind === 'TASK_KIND_STUDY_FINISHED',
    );
    expect(end).toBe('finished');
    expect(calls).toEqual(['register failed', 'register', 'outbox', 'watch', 'register', 'outbox', 'watch']);
    expect(logs.some((line) => line.startsWith('cleveland: coordinator unreachable (UNAVAILABLE: connect ECONNREFUSED); reconnecting in'))).toBe(true);
    expect(logs.some((line) => line.startsWith('cleveland: the coordinator ended the task stream; reconnecting in'))).toBe(true);
    expect(logs).toContain('cleveland: reconnected');
  });

  it('gives up once the coordinator has been unreachable for longer than the reconnect window', async () => {
    const { client } = coordinator(Array.from({ length: 1000 }, unavailable), []);
    const { session: s } = session(client, { reconnectWindowMs: 5 });
    await expect(
      s.serve(
        async () => undefined,
        async () => false,
      ),
    ).rejects.toThrow(
      /^cleveland: giving up: no successful Register with the coordinator at coordinator:50051 for .* \(reconnect window 5 ms\); last error: UNAVAILABLE: connect ECONNREFUSED$/,
    );
  });

  it('does not retry an error that is an answer, not an outage', async () => {
    const refused = Object.assign(new Error('7 PERMISSION_DENIED: not enrolled'), { code: status.PERMISSION_DENIED });
    const { client, calls } = coordinator([refused], []);
    const { session: s } = session(client);
    await expect(
      s.serve(
        async () => undefined,
        async () => false,
      ),
    ).rejects.toBe(refused);
    expect(calls).toEqual(['register failed']);
  });

  it('stops when asked: the task under way finishes, the stream is cancelled, no task starts after it', async () => {
    const controller = new AbortController();
    const open = stream([task(1), task(2)], false);
    const { client } = coordinator([], [open]);
    const { session: s, shutdown } = session(client, { signal: controller.signal });
    const handled: number[] = [];
    const end = await s.serve(
      async () => undefined,
      async (t) => {
        handled.push(t.round);
        controller.abort();
        return false;
      },
    );
    shutdown.dispose();
    expect(end).toBe('stopped');
    expect(handled).toEqual([1]);
    expect(open.cancelled).toBe(true);
  });
});
