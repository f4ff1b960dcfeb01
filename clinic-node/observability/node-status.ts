/**
 * What a running node knows about itself, for its health port (health-server.ts): whether it is
 * connected, the last task it took, how long training took, what it has done, and what is left of
 * its privacy budget. runNode keeps it current when given one (NodeOptions.status).
 */
import type { NodeSummary } from '../agent/node-summary.js';

export interface LastTask {
  kind: string;
  studyId: string;
  round: number;
  /** When the node took it, ms since the epoch. */
  startedAt: number;
  /** When it finished, or null while under way. */
  finishedAt: number | null;
}

export class NodeStatus {
  connected = false;
  /** Set once runNode has loaded the data and is about to connect; false again when it returns. */
  running = false;
  coordinator: string | null = null;
  /** The clinic's id, once runNode has started (the label of every metric). */
  clinicId = '';
  lastTask: LastTask | null = null;
  /** Seconds spent in training tasks, and how many there were (Prometheus summary-style sum and count). */
  trainingSeconds = 0;
  trainingTasks = 0;
  /** The clinic's cap and the epsilon spent against it (null without a budget). */
  budget: { epsilon: number; delta: number } | null = null;
  private spentNow: () => { epsilon: number; delta: number } | null = () => null;
  private summary: NodeSummary | null = null;

  /** runNode hands over what it counts in and how to read the ledger's total. */
  attach(summary: NodeSummary, spent: () => { epsilon: number; delta: number } | null): void {
    this.summary = summary;
    this.clinicId = summary.clinicId;
    this.spentNow = spent;
  }

  taskStarted(kind: string, studyId: string, round: number, now = Date.now()): void {
    this.lastTask = { kind, studyId, round, startedAt: now, finishedAt: null };
  }

  taskFinished(now = Date.now()): void {
    if (!this.lastTask || this.lastTask.finishedAt !== null) return;
    this.lastTask.finishedAt = now;
    if (this.lastTask.kind === 'TASK_KIND_TRAIN') {
      this.trainingSeconds += (now - this.lastTask.startedAt) / 1000;
      this.trainingTasks++;
    }
  }

  get trainedRounds(): number {
    return this.summary?.trainedRounds ?? 0;
  }
  get refusedRounds(): number {
    return this.summary?.refusedRounds ?? 0;
  }
  get evaluations(): number {
    return this.summary?.evaluations ?? 0;
  }

  /** Epsilon left under the cap (never below 0); null without a budget. */
  epsilonLeft(): number | null {
    if (!this.budget) return null;
    const spent = this.spentNow()?.epsilon ?? 0;
    return Math.max(0, this.budget.epsilon - spent);
  }

  epsilonSpent(): number | null {
    return this.budget ? (this.spentNow()?.epsilon ?? 0) : null;
  }
}
