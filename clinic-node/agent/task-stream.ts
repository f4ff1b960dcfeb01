import type { ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';

/** How a task stream ended: the study finished (and the node should stop), the coordinator ended it, or a stop. */
export type StreamOutcome = 'finished' | 'ended' | 'stopped';

/** The part of a gRPC task stream the node uses. */
export type TaskStream = Pick<ClientReadableStream<Task__Output>, 'on' | 'cancel'>;

/**
 * Handles tasks strictly in order. Resolves 'finished' when `handle` says stop, 'ended' when the
 * coordinator ends the stream, 'stopped' once `signal` aborts and the task under way is done (no
 * task starts after it); rejects with the stream's error or a task's.
 */
export function processStream(stream: TaskStream, handle: (task: Task__Output) => Promise<boolean>, signal?: AbortSignal): Promise<StreamOutcome> {
  return new Promise((resolve, reject) => {
    let chain = Promise.resolve(false);
    let settled = false;
    let cancelled = false;
    const cancel = () => {
      if (!cancelled) {
        cancelled = true;
        stream.cancel();
      }
    };
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        signal?.removeEventListener('abort', stop);
        fn();
      }
    };
    const stop = () => {
      cancel();
      void chain.then(
        () => settle(() => resolve('stopped')),
        (error: unknown) => settle(() => reject(error)),
      );
    };
    stream.on('data', (task: Task__Output) => {
      chain = chain.then(async (done) => {
        if (done || settled || signal?.aborted) return done;
        const finished = await handle(task);
        if (finished) {
          settle(() => resolve('finished'));
          cancel();
        }
        return finished;
      });
      chain.catch((error: unknown) => {
        settle(() => reject(error));
        cancel();
      });
    });
    // The stream's own failure (a coordinator gone mid-call) counts once the task under way is done,
    // so a task that fails with it does not race it. Our own cancel is no failure.
    stream.on('error', (error: ServiceError) => {
      if (cancelled) return;
      const fail = () => settle(() => reject(error));
      void chain.then(fail, fail);
    });
    stream.on(
      'end',
      () =>
        void chain.then(
          (done) => settle(() => resolve(done ? 'finished' : 'ended')),
          () => undefined,
        ),
    );
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  });
}
