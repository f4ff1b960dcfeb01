import { describe, expect, it } from '@jest/globals';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import { TaskRouter } from './task-router.js';

const task = (kind: string, round = 1) => ({ kind, studyId: 's', round }) as unknown as Task__Output;

describe('task router', () => {
  it('sends each task to the handler of its kind and says whether to stop serving', async () => {
    const seen: string[] = [];
    const router = new TaskRouter()
      .on('TASK_KIND_TRAIN', async (t) => void seen.push(`train ${t.round}`))
      .on('TASK_KIND_EVALUATE', async (t) => void seen.push(`evaluate ${t.round}`))
      .on('TASK_KIND_STUDY_FINISHED', async () => true);
    expect(await router.route(task('TASK_KIND_TRAIN', 2))).toBe(false);
    expect(await router.route(task('TASK_KIND_EVALUATE', 2))).toBe(false);
    expect(await router.route(task('TASK_KIND_STUDY_FINISHED'))).toBe(true);
    expect(seen).toEqual(['train 2', 'evaluate 2']);
  });

  it('ignores a kind no handler takes, telling onUnknown', async () => {
    const unknown: Task__Output[] = [];
    const router = new TaskRouter((t) => unknown.push(t)).on('TASK_KIND_TRAIN', async () => true);
    const odd = task('TASK_KIND_UNSPECIFIED');
    expect(await router.route(odd)).toBe(false);
    expect(unknown).toEqual([odd]);
  });

  it('knows the task under way while its handler runs, and none after, also when it fails', async () => {
    const router = new TaskRouter();
    let during: Task__Output | null = null;
    const train = task('TASK_KIND_TRAIN', 3);
    router.on('TASK_KIND_TRAIN', async () => {
      during = router.current;
    });
    router.on('TASK_KIND_EVALUATE', async () => {
      throw new Error('evaluation failed');
    });
    await router.route(train);
    expect(during).toBe(train);
    expect(router.current).toBeNull();
    await expect(router.route(task('TASK_KIND_EVALUATE'))).rejects.toThrow('evaluation failed');
    expect(router.current).toBeNull();
  });

  it('refuses a second handler for one kind', () => {
    const router = new TaskRouter().on('TASK_KIND_TRAIN', async () => undefined);
    expect(() => router.on('TASK_KIND_TRAIN', async () => undefined)).toThrow('tasks of kind TASK_KIND_TRAIN already have a handler');
  });
});
