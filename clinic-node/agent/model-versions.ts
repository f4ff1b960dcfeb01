import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';

/** Reads a task's model version (its protocol's way: a download, or decrypted sums and server steps). */
export type ModelReader = (task: Task__Output) => Promise<Float32Array>;

/**
 * The model versions a node works on, read once each: the evaluation of version v and the training
 * of round v+1 (which starts from v) share one read. Keyed by study and version; only each study's
 * latest version is kept, as rounds move forward.
 */
export class ModelVersions {
  private readonly latest = new Map<string, { version: number; parameters: Float32Array }>();

  constructor(private readonly read: ModelReader) {}

  async parameters(task: Task__Output): Promise<Float32Array> {
    const known = this.latest.get(task.studyId);
    if (known?.version === task.modelVersion) return known.parameters;
    const parameters = await this.read(task);
    this.latest.set(task.studyId, { version: task.modelVersion, parameters });
    return parameters;
  }
}
