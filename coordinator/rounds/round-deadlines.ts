import type { RoundEntity } from '../persistence/entities/round.entity.js';

/**
 * One timer per open round, firing `expired(studyId, round)` at the round's deadline (at once if it
 * already passed, as after a restart). Arming a round again replaces its timer.
 */
export class RoundDeadlines {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly expired: (studyId: string, round: number) => void) {}

  arm(round: Pick<RoundEntity, 'studyId' | 'number' | 'deadlineAt'>): void {
    const key = keyOf(round);
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(
      () => {
        this.timers.delete(key);
        this.expired(round.studyId, round.number);
      },
      Math.max(0, round.deadlineAt - Date.now()),
    );
    this.timers.set(key, timer);
  }

  clear(round: Pick<RoundEntity, 'studyId' | 'number'>): void {
    const key = keyOf(round);
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  clearAll(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
  }
}

function keyOf(round: Pick<RoundEntity, 'studyId' | 'number'>): string {
  return `${round.studyId}#${round.number}`;
}
