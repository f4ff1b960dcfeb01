import { Injectable, Logger } from '@nestjs/common';

/**
 * Serialises a study's state changes: work for one study runs one piece at a time, in the order it
 * was asked for, so a deadline and a last update cannot both close the same round. Studies do not
 * wait for each other. A coordinator sharing its database with others would hold a database lock
 * here instead of the in-process queue.
 */
export interface StudyLock {
  /** Runs `work` after every earlier piece of work of the same study; its failure does not block the work after it. */
  run<T>(studyId: string, work: () => Promise<T>): Promise<T>;
  /** Resolves once every piece of work asked for so far has settled (before the database closes). */
  drain(): Promise<void>;
}

/** The injection token of the coordinator's StudyLock. */
export const STUDY_LOCK = Symbol('StudyLock');

/** One promise chain per study, in this process. */
@Injectable()
export class InProcessStudyLock implements StudyLock {
  private readonly logger = new Logger('Federation');
  private readonly queues = new Map<string, Promise<unknown>>();

  run<T>(studyId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(studyId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch((error: unknown) => {
      // Refusals (errors with a code) are the caller's to report; anything else is a bug worth a log line here.
      if (!(error instanceof Error && 'code' in error)) this.logger.error(`study ${studyId}: ${String(error)}`);
    });
    this.queues.set(studyId, settled);
    void settled.then(() => {
      if (this.queues.get(studyId) === settled) this.queues.delete(studyId);
    });
    return next;
  }

  async drain(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}
