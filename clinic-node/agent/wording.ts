import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';

/** A task as a stop message names it. */
export function describeTask(task: Task__Output): string {
  switch (task.kind) {
    case 'TASK_KIND_TRAIN':
      return `round ${task.round} of study ${task.studyId}`;
    case 'TASK_KIND_EVALUATE':
      return `the evaluation of model version ${task.modelVersion} of study ${task.studyId}`;
    default:
      return `the ${String(task.kind)} task of study ${task.studyId}`;
  }
}

export function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
