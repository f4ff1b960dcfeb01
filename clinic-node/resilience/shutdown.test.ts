import { describe, expect, it } from '@jest/globals';
import { ABANDONED, AbandonedError, Shutdown } from './shutdown.js';

describe('graceful shutdown', () => {
  it('without a stop request, work runs to its end and nothing is abandoned', async () => {
    const controller = new AbortController();
    const shutdown = new Shutdown(controller.signal, 0);
    expect(shutdown.requested).toBe(false);
    await expect(shutdown.within(Promise.resolve('done'))).resolves.toBe('done');
    expect(() => shutdown.checkpoint()).not.toThrow();
    shutdown.dispose();
  });

  it('after a stop request, work that ends within the grace period keeps its result', async () => {
    const controller = new AbortController();
    const requests: string[] = [];
    const shutdown = new Shutdown(controller.signal, 60_000, () => requests.push('stop'));
    let finish!: (value: string) => void;
    const work = shutdown.within(new Promise<string>((resolve) => (finish = resolve)));
    controller.abort();
    expect(requests).toEqual(['stop']);
    expect(shutdown.requested).toBe(true);
    finish('round 3 sent');
    await expect(work).resolves.toBe('round 3 sent');
    expect(shutdown.abandoned).toBe(false);
    shutdown.dispose();
  });

  it('abandons work still under way when the grace period is over; its checkpoints then throw', async () => {
    const controller = new AbortController();
    controller.abort(); // already aborted when the node starts
    const shutdown = new Shutdown(controller.signal, 0);
    await expect(shutdown.within(new Promise(() => undefined))).resolves.toBe(ABANDONED);
    expect(shutdown.abandoned).toBe(true);
    expect(() => shutdown.checkpoint()).toThrow(AbandonedError);
    shutdown.dispose();
  });
});
