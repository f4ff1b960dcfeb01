import type { ServiceError } from '@grpc/grpc-js';
import { createGrpcClient, FederationClient } from '../clinic-node/client/federation-client.js';
import type { RunningCoordinator } from '../coordinator/index.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';

/** A scripted clinic: registers, watches tasks, and lets the test decide what to upload. */
export async function connect(coordinator: RunningCoordinator, clinicId: string, site: string, numTrain: number) {
  const client = new FederationClient(coordinator.grpcAddress);
  await client.register({ clinicId, dataset: 'fed-heart-disease', site, numTrain, numTest: 10, nodeVersion: 'test' });
  const stream = client.watchTasks(clinicId);
  const tasks: Task__Output[] = [];
  const waiters: ((t: Task__Output) => void)[] = [];
  stream.on('data', (task: Task__Output) => (waiters.length ? waiters.shift()!(task) : tasks.push(task)));
  stream.on('error', () => undefined);
  const next = (): Promise<Task__Output> => (tasks.length ? Promise.resolve(tasks.shift()!) : new Promise((r) => waiters.push(r)));
  /** The next task of a kind (and of a study, if given), skipping others. */
  const nextOf = async (kind: Task__Output['kind'], studyId?: string): Promise<Task__Output> => {
    for (;;) {
      const task = await next();
      if (task.kind === kind && (studyId === undefined || task.studyId === studyId)) return task;
    }
  };
  return { client, stream, nextOf, close: () => (stream.cancel(), client.close()) };
}

/** The refusal a call ended with, as code and details; fails if the call succeeded. */
export const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: ServiceError) => ({ code: error.code, details: error.details }),
  );

/** Sends a raw upload: the header as given, then `payload` in one chunk. */
export function rawUpload(address: string, header: Record<string, unknown>, payload: Uint8Array): Promise<ServiceError | null> {
  const raw = createGrpcClient(address);
  return new Promise((resolve) => {
    const call = raw.uploadUpdate((error) => {
      raw.close();
      resolve(error);
    });
    call.write({ header });
    call.write({ data: payload });
    call.end();
  });
}
