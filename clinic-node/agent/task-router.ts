import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { TaskKind__Output } from '../../protos/generated/cohort/v1/TaskKind.js';

/** Handles one task; resolves true when the node should stop serving (its study finished). */
export type TaskHandler = (task: Task__Output) => Promise<boolean | void>;

/** Sends each task to the handler of its kind, one at a time, and knows which task is under way. */
export class TaskRouter {
  private readonly handlers = new Map<TaskKind__Output, TaskHandler>();
  private underWay: Task__Output | null = null;

  /** `onUnknown` hears of tasks of a kind no handler takes (ignored: a newer coordinator's). */
  constructor(private readonly onUnknown: (task: Task__Output) => void = () => undefined) {}

  on(kind: TaskKind__Output, handler: TaskHandler): this {
    if (this.handlers.has(kind)) throw new Error(`tasks of kind ${kind} already have a handler`);
    this.handlers.set(kind, handler);
    return this;
  }

  /** The task being handled, if any (for the stop message). */
  get current(): Task__Output | null {
    return this.underWay;
  }

  /** Handles the task; true when the node should stop serving. */
  async route(task: Task__Output): Promise<boolean> {
    const handler = this.handlers.get(task.kind);
    if (!handler) {
      this.onUnknown(task);
      return false;
    }
    this.underWay = task;
    try {
      return (await handler(task)) === true;
    } finally {
      this.underWay = null;
    }
  }
}
