import type { RoundDecision } from '../privacy/privacy-guard.js';

/**
 * What this process remembers of the rounds it met: which it trained (never twice, whatever comes
 * back), which the coordinator answered for good, and the privacy decisions of rounds under way (so
 * a task re-sent after a lost connection does not spend again).
 */
export class RoundBook {
  private readonly trained = new Set<string>();
  private readonly answered = new Set<string>();
  private readonly decisions = new Map<string, RoundDecision>();

  /** A round's key; `attempt` for rounds that run again with fresh keys (secure aggregation). */
  static key(studyId: string, round: number, attempt: number | null = null): string {
    return JSON.stringify(attempt === null ? [studyId, round] : [studyId, round, attempt]);
  }

  /** This process started training the round. */
  markTrained(key: string): void {
    this.trained.add(key);
  }

  trainedHere(key: string): boolean {
    return this.trained.has(key);
  }

  /** The coordinator took the round's update, or went on without it: nothing more to do for it. */
  markAnswered(key: string): void {
    this.answered.add(key);
  }

  /** Trained here or answered: the round is not trained (again). */
  done(key: string): boolean {
    return this.trained.has(key) || this.answered.has(key);
  }

  decision(key: string): RoundDecision | undefined {
    return this.decisions.get(key);
  }

  keepDecision(key: string, decision: RoundDecision): void {
    this.decisions.set(key, decision);
  }

  dropDecision(key: string): void {
    this.decisions.delete(key);
  }
}
