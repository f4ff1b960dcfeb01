/**
 * `npm run bench [-- --json]`: measured side by side in one run on this machine,
 *  1. local training time on the WASM backend against the pure-JS CPU backend (same model, data, steps);
 *  2. the coordinator's share of a round's wall time: the CPU the coordinator process spends while
 *     four clinic nodes train FLamby's protocol, over the rounds' wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initialParameters, modelSpec, type ModelSpec } from '../common/model-spec.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { loadAllSites, loadPooled } from '../clinic-node/data/fed-heart-disease.js';
import { Keystore } from '../clinic-node/keys/index.js';
import { selectBackend } from '../clinic-node/training/backend.js';
import { train } from '../clinic-node/training/local-training.js';
import { runSiteNodes } from '../simulations/site-nodes.js';
import { startCoordinatorProcess } from '../simulations/coordinator-process.js';
import { cpuSeconds } from './timing.js';

const json = process.argv.includes('--json');
const dataDir = resolve(PACKAGE_ROOT, process.env['COHORT_DATA_DIR'] ?? '../shared/data');
const log = (line: string) => process.stderr.write(`${line}\n`);

async function trainingSeconds(backend: 'wasm' | 'cpu', spec: ModelSpec, steps: number): Promise<number> {
  await selectBackend(backend);
  const { train: data } = await loadPooled({ dataDir });
  const options = { optimizer: 'sgd' as const, learningRate: 1e-3, batchSize: 4, steps, seed: 1 };
  train(spec, initialParameters(spec, 1), data, { ...options, steps: 50 }); // warm-up: kernels, WASM compilation
  const start = performance.now();
  train(spec, initialParameters(spec, 1), data, options);
  return (performance.now() - start) / 1000;
}

async function coordinatorShare(rounds: number): Promise<{ roundWallS: number; coordinatorCpuS: number; share: number }> {
  await selectBackend('auto');
  // As deployed: TLS, every clinic enrolled and signing its calls.
  const coordinator = await startCoordinatorProcess({
    args: ['--dataset', 'fed-heart-disease', '--protocol', 'flamby', '--rounds', String(rounds)],
    stderr: 'inherit',
  });
  const workdir = mkdtempSync(join(tmpdir(), 'cohort-bench-'));
  try {
    const studyId = await coordinator.studyId();
    const sites = await loadAllSites({ dataDir });
    const keystores = sites.map(({ site }) => Keystore.create(join(workdir, site), site));
    for (const [i, keystore] of keystores.entries()) {
      const { dataset, site, train, test } = sites[i]!;
      await coordinator.enrol(keystore.card, { dataset, site, numTrain: train.count, numTest: test.count });
    }
    const pid = coordinator.child.pid!;
    const cpuBefore = cpuSeconds(pid);
    await runSiteNodes({ coordinator: coordinator.grpcAddress, sites, keystores, credentials: () => coordinator.credentials() });
    const coordinatorCpuS = cpuSeconds(pid) - cpuBefore;
    const detail = await coordinator.fetchJson<{ roundHistory: { openedAt: string; closedAt: string }[] }>(`/studies/${studyId}`);
    const roundWallS = detail.roundHistory.reduce((s, r) => s + (Date.parse(r.closedAt) - Date.parse(r.openedAt)) / 1000, 0);
    return { roundWallS, coordinatorCpuS, share: coordinatorCpuS / roundWallS };
  } finally {
    await coordinator.stop();
    rmSync(workdir, { recursive: true, force: true });
  }
}

const steps = 2000;
const results: Record<string, unknown> = { steps };
for (const [name, spec] of [
  ['logistic_regression', modelSpec('logistic-regression', 13)],
  ['mlp_16', modelSpec('mlp', 13, [16])],
  ['mlp_256x256', modelSpec('mlp', 13, [256, 256])],
] as const) {
  const wasm = await trainingSeconds('wasm', spec, steps);
  const cpu = await trainingSeconds('cpu', spec, steps);
  results[name] = { wasm_s: wasm, cpu_s: cpu, wasm_over_cpu: wasm / cpu };
  log(`${name}: ${steps} steps  wasm ${wasm.toFixed(3)}s  cpu ${cpu.toFixed(3)}s  wasm/cpu ${(wasm / cpu).toFixed(2)}`);
}
const share = await coordinatorShare(15);
results['coordinator'] = { rounds: 15, round_wall_s: share.roundWallS, coordinator_cpu_s: share.coordinatorCpuS, coordinator_share: share.share };
log(
  `15 rounds, 4 nodes: rounds' wall time ${share.roundWallS.toFixed(2)}s, coordinator CPU ${share.coordinatorCpuS.toFixed(2)}s, share ${(100 * share.share).toFixed(1)}%`,
);
results['backend_tfjs_version'] = tf.version.tfjs;
if (json) console.log(JSON.stringify(results));
