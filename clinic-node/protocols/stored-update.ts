import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient } from '../client/federation-client.js';
import type { EncodedUpdate, RoundEnd, RoundInProgress, TrainedUpdate } from './protocol.js';
import { trainingOf } from './protocol.js';

/**
 * Plain and CKKS rounds: the update is trained, encoded, kept in the outbox and uploaded (resent
 * from the outbox after a lost connection or a restart instead of being trained again).
 */
export async function sendStoredUpdate(
  round: RoundInProgress,
  encode: (update: TrainedUpdate) => EncodedUpdate,
  log: (message: string) => void,
): Promise<RoundEnd> {
  const trained = await round.train();
  if (await round.storeAndSend(encode(trained))) {
    const { task, decision, spent } = round;
    const { result } = trained;
    const { dp } = decision;
    const privacy = dp
      ? `, DP-SGD z=${dp.noiseMultiplier.toFixed(3)} q=${dp.samplingRate.toFixed(4)}, ${(100 * result.clippedFraction!).toFixed(0)}% clipped, epsilon so far ${spent!.epsilon.toFixed(4)}`
      : '';
    if (result.statisticsOnly) log(`round ${task.round}: feature statistics computed (nothing trained) and sent`);
    else log(`round ${task.round} trained (${trainingOf(task).localSteps} steps, loss ${result.loss.toFixed(4)}${privacy}) and sent`);
  }
  return 'sent';
}

/** Under DP the training loss is not private: it is not sent. */
export function reportedLoss(round: RoundInProgress, update: TrainedUpdate): number {
  return round.decision.dp ? 0 : update.result.loss;
}

/** A plain model version, checked against the length the task's spec gives. */
export async function downloadPlainModel(client: FederationClient, clinicId: string, task: Task__Output, version: number): Promise<Float32Array> {
  const length = task.model?.numParameters ?? 0;
  const parameters = await client.downloadPlainModel(clinicId, task.studyId, version);
  if (parameters.length !== length)
    throw new Error(`model version ${version} of study ${task.studyId} has ${parameters.length} parameters, the task's spec ${length}`);
  return parameters;
}
