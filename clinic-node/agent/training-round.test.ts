import { afterAll, describe, expect, it } from '@jest/globals';
import { status } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainFloat32Codec } from '../../crypto/index.js';
import type { Task__Output } from '../../protos/generated/cohort/v1/Task.js';
import type { FederationClient, OutgoingUpdate } from '../client/federation-client.js';
import type { Keystore } from '../keys/index.js';
import type { RoundDecision } from '../privacy/privacy-guard.js';
import { NodeProtocols } from '../protocols/index.js';
import { NodeState } from '../resilience/index.js';
import type { TrainingOptions } from '../training/local-training.js';
import { EvaluationRound } from './evaluation-round.js';
import type { Learner } from './learner.js';
import { ModelVersions } from './model-versions.js';
import { emptySummary } from './node-summary.js';
import { OutboxSender } from './outbox-sender.js';
import { RoundBook } from './round-book.js';
import { TrainingRound } from './training-round.js';

const STUDY = '3f0c2b9e-4a57-4c61-9f0e-0a1b2c3d4e5f';
const P = 14; // logistic regression over 13 features

function task(kind: 'TASK_KIND_TRAIN' | 'TASK_KIND_EVALUATE', round: number, modelVersion = round - 1): Task__Output {
  return {
    kind,
    studyId: STUDY,
    round,
    modelVersion,
    model: { architecture: 'logistic-regression', inputDim: 13, hiddenUnits: [], outputDim: 1, numParameters: P },
    training: { optimizer: 'sgd', learningRate: 0.1, batchSize: 8, localSteps: 5, seed: 1234 },
    participants: 4,
    encryption: null,
    secagg: null,
    dp: null,
  } as unknown as Task__Output;
}

/** A coordinator as the clinic's calls see it: model version v is all v's; uploads answered in turn from `uploadAnswers`. */
function fakeCoordinator(uploadAnswers: (Error | 'ok')[] = []) {
  const downloads: number[] = [];
  const uploads: OutgoingUpdate[] = [];
  const evaluations: { modelVersion: number; accuracy: number }[] = [];
  const client = {
    downloadPlainModel: async (_clinic: string, _study: string, version: number) => {
      downloads.push(version);
      return new Float32Array(P).fill(version);
    },
    uploadUpdate: async (update: OutgoingUpdate) => {
      const answer = uploadAnswers.shift() ?? 'ok';
      if (answer !== 'ok') throw answer;
      uploads.push(update);
      return {};
    },
    reportEvaluation: async (report: { modelVersion: number; accuracy: number }) => void evaluations.push(report),
    getLedgerHead: async () => {
      throw new Error('a round without a ledger entry has nothing to sync');
    },
  };
  return { client: client as unknown as FederationClient, downloads, uploads, evaluations };
}

/** Training adds 0.5 to every parameter; evaluation reports the first parameter as the accuracy. */
class FakeLearner implements Learner {
  readonly trained: { global: number[]; options: TrainingOptions }[] = [];
  train(_spec: unknown, global: Float32Array, options: TrainingOptions) {
    this.trained.push({ global: [...global], options });
    return { parameters: global.map((w) => w + 0.5), loss: 0.25, steps: options.steps ?? 0 };
  }
  evaluate(_spec: unknown, parameters: Float32Array) {
    return { count: 10, correct: 7, accuracy: parameters[0]!, loss: 0.5 };
  }
}

const root = mkdtempSync(join(tmpdir(), 'cohort-node-parts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

async function node(options: { uploadAnswers?: (Error | 'ok')[]; decision?: RoundDecision } = {}) {
  const coordinator = fakeCoordinator(options.uploadAnswers);
  const { client } = coordinator;
  const state = await NodeState.open(join(root, `n${dirs++}`), 'cleveland');
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const clinicId = 'cleveland';
  const summary = emptySummary(clinicId, null, []);
  const protocols = new NodeProtocols({ client, clinicId, keystore: {} as Keystore, reveals: state.reveals, log });
  const models = new ModelVersions((t) => protocols.for(t).model(t));
  const learner = new FakeLearner();
  const rounds = new RoundBook();
  const sender = new OutboxSender({ client, outbox: state.outbox, rounds, summary, clinicId, log, stopping: () => false });
  const decisions: string[] = [];
  const guard = {
    decide: (request: { round: number }) => {
      decisions.push(`decide ${request.round}`);
      return options.decision ?? { train: true as const, dp: null, distributed: null, entry: null };
    },
    recorded: () => null,
    sync: async () => decisions.push('sync'),
    spent: () => null,
  };
  const common = { clinicId, log, state, models, learner, summary };
  const training = new TrainingRound({ ...common, rounds, guard, client, protocols, sender, checkpoint: () => undefined, records: 199 });
  const evaluation = new EvaluationRound({ ...common, client });
  return { ...coordinator, state, logs, summary, learner, training, evaluation, decisions };
}

describe("a node's training and evaluation rounds", () => {
  it('reads each model version once: the evaluation of version v and the training of round v+1 share it', async () => {
    const n = await node();
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    await n.evaluation.handle(task('TASK_KIND_EVALUATE', 1, 1));
    await n.training.handle(task('TASK_KIND_TRAIN', 2));
    await n.evaluation.handle(task('TASK_KIND_EVALUATE', 2, 2));
    expect(n.downloads).toEqual([0, 1, 2]);
    // Both used the one copy: the training of round 2 started from version 1, as evaluated.
    expect(n.learner.trained.map((t) => t.global[0])).toEqual([0, 1]);
    expect(n.evaluations.map((e) => [e.modelVersion, e.accuracy])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(n.summary).toMatchObject({ trainedRounds: 2, evaluations: 2, lastModel: { studyId: STUDY, version: 2 } });
  });

  it('sends the update as local minus global parameters with the record count, and forgets it once taken', async () => {
    const n = await node();
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.uploads).toHaveLength(1);
    const { payload, ...header } = n.uploads[0]!;
    expect(header).toEqual({
      clinicId: 'cleveland',
      studyId: STUDY,
      round: 1,
      modelVersion: 0,
      codec: plainFloat32Codec.name,
      keyId: '',
      numSamples: 199,
      trainLoss: 0.25,
    });
    expect([...plainFloat32Codec.decode(payload, P).values]).toEqual(new Array(P).fill(0.5));
    expect(n.learner.trained[0]!.options).toEqual({ optimizer: 'sgd', learningRate: 0.1, batchSize: 8, steps: 5, seed: 1234 });
    expect(n.state.outbox.size).toBe(0);
    expect(n.state.journal.leftovers()).toEqual([]);
    expect(n.logs).toContain('cleveland: round 1 trained (5 steps, loss 0.2500) and sent');
  });

  it('trains a round once, however often its task comes', async () => {
    const n = await node();
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.learner.trained).toHaveLength(1);
    expect(n.uploads).toHaveLength(1);
    expect(n.decisions).toEqual(['decide 1']);
    expect(n.logs).toContain(`cleveland: round 1 of study ${STUDY} was already trained by this node; not training it again`);
  });

  it('keeps an update the coordinator could not be reached for, and resends it instead of training again', async () => {
    const lost = Object.assign(new Error('14 UNAVAILABLE: read ECONNRESET'), { code: status.UNAVAILABLE, details: 'read ECONNRESET' });
    const n = await node({ uploadAnswers: [lost] });
    await expect(n.training.handle(task('TASK_KIND_TRAIN', 1))).rejects.toBe(lost);
    expect(n.state.outbox.get(STUDY, 1)).toBeDefined();
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.learner.trained).toHaveLength(1);
    expect(n.uploads).toHaveLength(1);
    expect(n.state.outbox.size).toBe(0);
    expect(n.summary).toMatchObject({ trainedRounds: 1, resentUpdates: 1 });
  });

  it('forgets an update whose round went on without it, and does not train that round again', async () => {
    const closed = Object.assign(new Error('9 FAILED_PRECONDITION: round 1 is closed'), { code: status.FAILED_PRECONDITION, details: 'round 1 is closed' });
    const n = await node({ uploadAnswers: [closed] });
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.state.outbox.size).toBe(0);
    expect(n.summary.trainedRounds).toBe(0);
    expect(n.logs).toContain('cleveland: round 1 update not taken: round 1 is closed');
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.learner.trained).toHaveLength(1);
  });

  it('refuses a round its privacy guard refuses: nothing read or trained, the ledger entry synced first', async () => {
    const entry = { kind: 'refusal' } as never;
    const n = await node({ decision: { train: false, reason: 'over the cap', entry } });
    await n.training.handle(task('TASK_KIND_TRAIN', 1));
    expect(n.decisions).toEqual(['decide 1', 'sync']);
    expect(n.downloads).toEqual([]);
    expect(n.learner.trained).toEqual([]);
    expect(n.uploads).toEqual([]);
    expect(n.summary.refusedRounds).toBe(1);
    expect(n.state.journal.leftovers()).toEqual([]);
    expect(n.logs).toContain(`cleveland: round 1 of study ${STUDY} refused: over the cap`);
  });
});
