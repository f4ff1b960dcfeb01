import { InProcessStudyLock } from './study-lock.js';

/** A promise and the means to settle it from outside. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('in-process study lock', () => {
  it("runs one study's work one piece at a time, in order", async () => {
    const lock = new InProcessStudyLock();
    const log: string[] = [];
    const first = gate();
    const a = lock.run('s', async () => {
      log.push('a starts');
      await first.promise;
      log.push('a ends');
    });
    const b = lock.run('s', async () => void log.push('b runs'));
    await Promise.resolve();
    expect(log).toEqual(['a starts']);
    first.open();
    await Promise.all([a, b]);
    expect(log).toEqual(['a starts', 'a ends', 'b runs']);
  });

  it('lets other studies run meanwhile', async () => {
    const lock = new InProcessStudyLock();
    const held = gate();
    const slow = lock.run('s1', () => held.promise);
    await expect(lock.run('s2', async () => 'done')).resolves.toBe('done');
    held.open();
    await slow;
  });

  it('hands a failure to its caller and runs the next piece anyway', async () => {
    const lock = new InProcessStudyLock();
    const failing = lock.run('s', () => Promise.reject(Object.assign(new Error('refused'), { code: 9 })));
    const next = lock.run('s', async () => 'after');
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe('after');
  });

  it('drains: resolves once the work asked for so far settled, failed or not', async () => {
    const lock = new InProcessStudyLock();
    const held = gate();
    let finished = false;
    void lock.run('s', async () => {
      await held.promise;
      finished = true;
    });
    const failed = lock.run('t', () => Promise.reject(Object.assign(new Error('no'), { code: 1 })));
    failed.catch(() => undefined);
    const drained = lock.drain();
    held.open();
    await drained;
    expect(finished).toBe(true);
  });
});
