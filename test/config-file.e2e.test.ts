import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../clinic-node/keys/index.js';
import { COHORT_CLI, startCoordinatorProcess, type CoordinatorProcess } from '../simulations/coordinator-process.js';
import { approvalFor } from './support/approvals.js';
import { DATA_DIR } from './support/data-dir.js';

// The built CLI (npm test builds first): a coordinator and a node each started from a config file,
// with a setting from the environment and one from the command line over the file's.
const dir = mkdtempSync(join(tmpdir(), 'cohort-config-e2e-'));
let coordinator: CoordinatorProcess | undefined;

afterAll(async () => {
  await coordinator?.stop(1000);
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `cohort node ...` to its end: exit code and everything it printed. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [COHORT_CLI, 'node', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('cohort coordinator and cohort node from config files', () => {
  it('run a study with the command line over the environment over the file, and say where each setting came from', async () => {
    const coordinatorConfig = file(
      'coordinator.yaml',
      'dataset: fed-heart-disease\nrounds: 5\nquorum: 1\nmin-clinics: 4\nlocal-steps: 5\nround-timeout: 120\n',
    );
    coordinator = await startCoordinatorProcess({
      args: ['--config', coordinatorConfig, '--min-clinics', '1'],
      env: { ...process.env, COHORT_ROUNDS: '2', COHORT_DATA_DIR: DATA_DIR },
    });
    const studyId = await coordinator.studyId();
    const study = await coordinator.fetchJson<any>(`/studies/${studyId}`);
    // rounds from the environment over the file's 5, minClinics from the command line over its 4.
    expect(study).toMatchObject({ rounds: 2, quorum: 1, minClinics: 1, training: { localSteps: 5 }, roundTimeoutS: 120 });
    const printed = coordinator.output();
    expect(printed).toContain(`settings (config ${coordinatorConfig}):`);
    expect(printed).toContain('  rounds 2  (COHORT_ROUNDS)');
    expect(printed).toContain('  min-clinics 1  (command line)');
    expect(printed).toContain(`  quorum 1  (${coordinatorConfig} line 3)`);

    const keystore = Keystore.create(join(dir, 'cleveland'), 'cleveland');
    await coordinator.enrol(keystore.card, await approvalFor('cleveland'));
    const nodeConfig = file(
      'node.yaml',
      `coordinator: ${coordinator.grpcAddress}\ntls-ca: ${coordinator.caFile}\nkeystore: ${keystore.dir}\nsite: cleveland\nexit-when-done: false\n`,
    );
    // A switch turned off in the file, on by its variable.
    const node = await runNode(['--config', nodeConfig], { ...process.env, COHORT_DATA_DIR: DATA_DIR, COHORT_EXIT_WHEN_DONE: 'true' });
    expect(node).toMatchObject({ code: 0 });
    expect(node.output).toContain(`settings (config ${nodeConfig}):`);
    expect(node.output).toContain('  exit-when-done true  (COHORT_EXIT_WHEN_DONE)');
    expect(node.output).toContain(`  site cleveland  (${nodeConfig} line 4)`);
    expect(node.output).toContain('cleveland: round 2 trained');
    expect((await coordinator.fetchJson<any>(`/studies/${studyId}`)).status).toBe('completed');
  });

  it('refuses a config file with a misspelt flag before starting, naming the file, the line and the closest flag', async () => {
    const bad = file('bad-node.yaml', 'site: cleveland\nkeystor: /srv/keys\n');
    const node = await runNode(['--config', bad], { ...process.env, COHORT_DATA_DIR: DATA_DIR });
    expect(node.code).toBe(2);
    expect(node.output).toContain(`cohort: --config ${bad} has 1 problem:\n  line 2: keystor is not a flag of cohort node (did you mean keystore?)`);
  });
});
