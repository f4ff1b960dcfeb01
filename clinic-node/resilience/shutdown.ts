/** What `Shutdown.within` gives instead of the work's result once the grace period has passed. */
export const ABANDONED: unique symbol = Symbol('abandoned');

/** Thrown at a checkpoint of work that the shutdown abandoned: it must not go on (no training after it). */
export class AbandonedError extends Error {
  constructor() {
    super('abandoned: the node is stopping and its grace period is over');
    this.name = 'AbandonedError';
  }
}

/**
 * A node's graceful stop: once `signal` aborts, the node takes no new work; what is under way gets
 * `graceMs` to finish, after which it is abandoned (`within` answers ABANDONED, `checkpoint` throws).
 */
export class Shutdown {
  private timer: NodeJS.Timeout | null = null;
  private abandon!: () => void;
  private readonly onAbort: () => void;
  private over = false;
  /** Resolves ABANDONED when the grace period after a stop request has passed; never before. */
  readonly graceOver: Promise<typeof ABANDONED>;

  constructor(
    private readonly signal: AbortSignal | undefined,
    readonly graceMs: number,
    onRequest: () => void = () => undefined,
  ) {
    if (!(graceMs >= 0)) throw new RangeError(`the shutdown grace period must be >= 0 ms, got ${graceMs}`);
    this.graceOver = new Promise((resolve) => {
      this.abandon = () => {
        this.over = true;
        resolve(ABANDONED);
      };
    });
    this.onAbort = () => {
      onRequest();
      this.timer = setTimeout(this.abandon, graceMs);
    };
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Whether the node was asked to stop. */
  get requested(): boolean {
    return this.signal?.aborted === true;
  }

  /** Whether the grace period is over: work still under way is abandoned. */
  get abandoned(): boolean {
    return this.over;
  }

  /** The work's result, or ABANDONED if the grace period after a stop request ends first. */
  within<T>(work: Promise<T>): Promise<T | typeof ABANDONED> {
    return Promise.race([work, this.graceOver]);
  }

  /** Throws AbandonedError if the work calling it has been abandoned. */
  checkpoint(): void {
    if (this.over) throw new AbandonedError();
  }

  /** Stops listening and clears the grace timer. */
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    if (this.timer) clearTimeout(this.timer);
  }
}
