/**
 * Load: N clinics (200 by default) connected at once to one coordinator, through a full round, on
 * loopback over TLS with signed calls. The coordinator runs as its own process (the built CLI) so
 * its peak memory is its own; the clinics are scripted in this process and upload fixed updates,
 * so the round measures the coordinator rather than training. The aggregate is checked against the
 * weighted mean computed here: an update lost or counted twice would show.
 */
import { readFileSync } from 'node:fs';
import { FederationClient } from '../clinic-node/client/federation-client.js';
import { DATASETS } from '../common/datasets.js';
import { cardOf, createIdentity, plainFloat32Codec } from '../crypto/index.js';
import { startCoordinatorProcess } from '../simulations/coordinator-process.js';
import type { Task__Output } from '../protos/generated/cohort/v1/Task.js';

export interface LoadBenchOptions {
  /** Clinics connected at once. Default 200. */
  clinics?: number;
  /** Hidden layers of the study's MLP; empty for logistic regression (14 parameters). Default []. */
  hidden?: number[];
  onProgress?: (line: string) => void;
}

export interface LoadBenchReport {
  clinics: number;
  parameters: number;
  updates_counted: number;
  round_outcome: string;
  /** Opened to closed, as the coordinator recorded it. */
  round_s: number;
  /** First Register to the round closed, as the clinics saw it. */
  connect_to_close_s: number;
  coordinator_rss_idle_mib: number;
  coordinator_peak_rss_mib: number;
  /** Largest |aggregate - expected weighted mean| over the parameters. */
  max_abs_error: number;
  node_version: string;
}

export async function runLoadBench(options: LoadBenchOptions = {}): Promise<LoadBenchReport> {
  const n = options.clinics ?? 200;
  const hidden = options.hidden ?? [];
  const progress = options.onProgress ?? (() => undefined);
  const model = hidden.length > 0 ? ['--model', 'mlp', '--hidden', hidden.join(',')] : [];
  const coordinator = await startCoordinatorProcess({
    args: [
      '--dataset',
      'fed-heart-disease',
      '--strategy',
      'fedavg',
      '--rounds',
      '1',
      '--min-clinics',
      String(n),
      '--quorum',
      String(n),
      '--round-timeout',
      '600',
      ...model,
    ],
  });
  const pid = coordinator.child.pid!;
  const clients: FederationClient[] = [];
  try {
    const studyId = await coordinator.studyId();
    const http = <T>(path: string) => coordinator.fetchJson<T>(path);
    const idleRss = memoryMiB(pid, 'VmRSS');
    progress(`coordinator up (pid ${pid}, ${idleRss.toFixed(0)} MiB); enrolling ${n} clinics`);

    const sites = DATASETS['fed-heart-disease']!.sites;
    const clinics = Array.from({ length: n }, (_, i) => ({
      identity: createIdentity(`load-${String(i).padStart(4, '0')}`),
      // One clinic per site: each holds a shard of one of the four sites.
      site: `${sites[i % sites.length]!}.${Math.floor(i / sites.length) + 1}`,
      numTrain: 10 + (i % 50),
    }));
    for (const clinic of clinics) {
      await coordinator.enrol(cardOf(clinic.identity), { dataset: 'fed-heart-disease', site: clinic.site, numTrain: clinic.numTrain, numTest: 1 });
    }

    const credentials = coordinator.credentials();
    const initial = Float32Array.from((await http<{ parameters: number[] }>(`/studies/${studyId}/models/0`)).parameters);
    const deltaOf = (i: number) => initial.map((_, j) => Math.fround(Math.sin(i * 7.1 + j) / 100));
    const started = Date.now();
    progress(`${n} clinics connecting at once`);
    // Every clinic registers, watches, uploads on its TRAIN task and waits for the study to finish.
    await Promise.all(
      clinics.map(async (clinic, i) => {
        const client = new FederationClient(coordinator.grpcAddress, { identity: clinic.identity, credentials });
        clients.push(client);
        const clinicId = clinic.identity.clinicId;
        await client.register({ clinicId, dataset: 'fed-heart-disease', site: clinic.site, numTrain: clinic.numTrain, numTest: 1, nodeVersion: 'load-bench' });
        const tasks = client.watchTasks(clinicId);
        for await (const task of tasks as AsyncIterable<Task__Output>) {
          if (task.kind === 'TASK_KIND_TRAIN') {
            await client.uploadUpdate({
              clinicId,
              studyId,
              round: task.round,
              modelVersion: task.modelVersion,
              codec: plainFloat32Codec.name,
              numSamples: clinic.numTrain,
              trainLoss: 0,
              payload: plainFloat32Codec.encode(deltaOf(i)),
            });
          } else if (task.kind === 'TASK_KIND_STUDY_FINISHED') {
            tasks.cancel();
            break;
          }
        }
      }),
    );
    const connectToClose = (Date.now() - started) / 1000;
    const peak = memoryMiB(pid, 'VmHWM');
    const detail = await http<{ roundHistory: { openedAt: string; closedAt: string; outcome: string; updates: unknown[] }[] }>(`/studies/${studyId}`);
    const round = detail.roundHistory[0]!;
    const aggregate = await http<{ parameters: number[] }>(`/studies/${studyId}/models/1`);
    const totalWeight = clinics.reduce((s, c) => s + c.numTrain, 0);
    const weightedSum = new Float64Array(initial.length);
    clinics.forEach((clinic, i) => deltaOf(i).forEach((d, j) => (weightedSum[j]! += clinic.numTrain * d)));
    const maxError = aggregate.parameters.reduce((max, w, j) => Math.max(max, Math.abs(w - (initial[j]! + weightedSum[j]! / totalWeight))), 0);
    return {
      clinics: n,
      parameters: initial.length,
      updates_counted: round.updates.length,
      round_outcome: round.outcome,
      round_s: (Date.parse(round.closedAt) - Date.parse(round.openedAt)) / 1000,
      connect_to_close_s: connectToClose,
      coordinator_rss_idle_mib: idleRss,
      coordinator_peak_rss_mib: peak,
      max_abs_error: maxError,
      node_version: process.version,
    };
  } finally {
    for (const client of clients) client.close();
    await coordinator.stop();
  }
}

export function formatLoadBench(r: LoadBenchReport): string {
  return [
    `load: ${r.clinics} clinics at once, one round, ${r.parameters} parameters, TLS and signed calls on loopback (Node ${r.node_version})`,
    `  updates counted        ${r.updates_counted} of ${r.clinics} (${r.round_outcome})`,
    `  aggregate vs expected  max |error| ${r.max_abs_error.toExponential(2)}`,
    `  round open to close    ${r.round_s.toFixed(2)} s`,
    `  connect to close       ${r.connect_to_close_s.toFixed(2)} s`,
    `  coordinator memory     ${r.coordinator_rss_idle_mib.toFixed(0)} MiB idle, ${r.coordinator_peak_rss_mib.toFixed(0)} MiB peak (VmHWM)`,
  ].join('\n');
}

/** A /proc/<pid>/status field in MiB (Linux). */
function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
  return Number(match[1]) / 1024;
}
