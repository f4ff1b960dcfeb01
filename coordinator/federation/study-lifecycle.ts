import { refuse } from '../../common/errors.js';
import type { StudyEntity, StudyStatus } from '../persistence/entities/study.entity.js';

/** What an operator may do to a study besides creating it. */
export type LifecycleAction = 'pause' | 'resume' | 'cancel';

/** Statuses a study never leaves. */
export const ENDED: readonly StudyStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * The status `action` moves a study to from `status`, or a refusal (FAILED_PRECONDITION, HTTP 409)
 * saying why it cannot. `started`: whether round 1 has opened (a paused study resumes to `running`
 * then, else to `waiting`). Pausing lets an open round run to its close; no round opens while paused.
 */
export function lifecycleTransition(studyId: string, status: StudyStatus, action: LifecycleAction, started: boolean): StudyStatus {
  if (ENDED.includes(status)) throw refuse.precondition(`study ${studyId} has ended (${status}): it cannot be ${PAST[action]}`);
  switch (action) {
    case 'pause':
      if (status === 'paused') throw refuse.precondition(`study ${studyId} is already paused`);
      return 'paused';
    case 'resume':
      if (status !== 'paused') throw refuse.precondition(`study ${studyId} is not paused (it is ${status}): nothing to resume`);
      return started ? 'running' : 'waiting';
    case 'cancel':
      return 'cancelled';
  }
}

const PAST: Record<LifecycleAction, string> = { pause: 'paused', resume: 'resumed', cancel: 'cancelled' };

/** Settings a study keeps for life; `--study` started again with other values is refused, naming them. */
const COMPARED = [
  'dataset',
  'schema',
  'preprocessing',
  'model',
  'strategy',
  'training',
  'privacy',
  'encryption',
  'dp',
  'secagg',
  'rounds',
  'quorum',
  'minClinics',
  'roundTimeoutS',
  'seed',
] as const;

/**
 * The fields where `wanted` differs from the study `existing` stored under the same name, each as
 * `field: stored -> wanted`; empty when starting it again is resuming the same study.
 */
export function settingsDifferences(existing: Record<(typeof COMPARED)[number], unknown>, wanted: Record<(typeof COMPARED)[number], unknown>): string[] {
  return COMPARED.filter((field) => canonical(existing[field]) !== canonical(wanted[field])).map(
    (field) => `${field}: ${canonical(existing[field])} -> ${canonical(wanted[field])}`,
  );
}

/** A stored study's settings in the shape a parsed study config has them. */
export function storedSettings(study: StudyEntity): Record<(typeof COMPARED)[number], unknown> {
  return { ...study, roundTimeoutS: study.roundTimeoutMs / 1000 };
}

/** JSON with object keys sorted, so stored and parsed settings compare by value. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
