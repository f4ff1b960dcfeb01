// Original file: protos/cohort/v1/federation.proto

export const TaskKind = {
  TASK_KIND_UNSPECIFIED: 'TASK_KIND_UNSPECIFIED',
  TASK_KIND_TRAIN: 'TASK_KIND_TRAIN',
  TASK_KIND_EVALUATE: 'TASK_KIND_EVALUATE',
  TASK_KIND_STUDY_FINISHED: 'TASK_KIND_STUDY_FINISHED',
} as const;

export type TaskKind =
  | 'TASK_KIND_UNSPECIFIED'
  | 0
  | 'TASK_KIND_TRAIN'
  | 1
  | 'TASK_KIND_EVALUATE'
  | 2
  | 'TASK_KIND_STUDY_FINISHED'
  | 3

export type TaskKind__Output = typeof TaskKind[keyof typeof TaskKind]
