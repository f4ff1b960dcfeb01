import { credentials as grpcCredentials, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { createGrpcClient, FederationClient, type Connection } from '../../clinic-node/client/federation-client.js';
import { loopbackTls } from '../../common/tls/loopback.js';
import type { RunningCoordinator } from '../../coordinator/index.js';
import { cardOf, createIdentity, type ClinicIdentity } from '../../crypto/index.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';

/** The channel credentials for a test's coordinator: the loopback CA under TLS, plaintext when it runs `insecure`. */
export async function credentialsFor(coordinator: RunningCoordinator): Promise<ChannelCredentials> {
  return coordinator.options.tls ? (await loopbackTls()).credentials() : grpcCredentials.createInsecure();
}

/** How a clinic signing as `identity` reaches `coordinator` (null: unsigned calls, to test their refusal). */
export async function connectionAs(coordinator: RunningCoordinator, identity: ClinicIdentity | null): Promise<Connection> {
  return { identity, credentials: await credentialsFor(coordinator) };
}

/** A client signing every call as `identity`, enrolled or not (tests of refusals use both). */
export async function clientAs(coordinator: RunningCoordinator, identity: ClinicIdentity | null): Promise<FederationClient> {
  return new FederationClient(coordinator.grpcAddress, await connectionAs(coordinator, identity));
}

const enrolledIdentities = new WeakMap<RunningCoordinator, Map<string, ClinicIdentity>>();

/** A fresh identity for `clinicId`, enrolled at `coordinator` once; the same one on later calls. */
export async function enrolledIdentity(coordinator: RunningCoordinator, clinicId: string): Promise<ClinicIdentity> {
  let identities = enrolledIdentities.get(coordinator);
  if (!identities) enrolledIdentities.set(coordinator, (identities = new Map()));
  let identity = identities.get(clinicId);
  if (!identity) {
    identity = createIdentity(clinicId);
    await coordinator.keys.enrol(cardOf(identity));
    identities.set(clinicId, identity);
  }
  return identity;
}

/**
 * A scripted clinic: enrolled (under `identity`, else a fresh identity of its own) and approved for
 * `site` with `numTrain` records, signing every call, registers, watches tasks, and lets the test
 * decide what to upload.
 */
export async function connect(coordinator: RunningCoordinator, clinicId: string, site: string, numTrain: number, options: { identity?: ClinicIdentity } = {}) {
  let identity = options.identity;
  if (identity) {
    if (identity.clinicId !== clinicId) throw new Error(`connect(${clinicId}) was given the identity of ${identity.clinicId}`);
    await coordinator.keys.enrol(cardOf(identity)); // enrolling the same keys again is a no-op
  } else {
    identity = await enrolledIdentity(coordinator, clinicId);
  }
  // The operator approves what the script declares: the site, its training records, ten test records.
  await coordinator.approvals.approve(clinicId, { dataset: 'fed-heart-disease', site, numTrain, numTest: 10 });
  const connection = await connectionAs(coordinator, identity);
  const client = new FederationClient(coordinator.grpcAddress, connection);
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
  return {
    client,
    identity,
    connection,
    stream,
    nextOf,
    /** A raw upload signed by this clinic (see rawUpload). */
    rawUpload: (header: Record<string, unknown>, payload: Uint8Array) => rawUpload(coordinator.grpcAddress, connection, header, payload),
    close: () => (stream.cancel(), client.close()),
  };
}

/** The refusal a call ended with, as code and details; fails if the call succeeded. */
export const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: ServiceError) => ({ code: error.code, details: error.details }),
  );

/** Sends a raw upload signed as `connection`'s clinic: the header as given, then `payload` in one chunk. */
export function rawUpload(address: string, connection: Connection, header: Record<string, unknown>, payload: Uint8Array): Promise<ServiceError | null> {
  const raw = createGrpcClient(address, connection);
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
