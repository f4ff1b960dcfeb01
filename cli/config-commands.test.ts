import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStudyConfig } from '../coordinator/config/study-config.js';
import { COORDINATOR_FLAGS, coordinatorCommand } from './commands/coordinator.js';
import { NODE_FLAGS, nodeCommand } from './commands/node.js';
import { parseFlagSources } from './flag-sources.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-config-commands-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function config(text: string): string {
  const path = join(dir, `config-${++files}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('the sample config files in docs/examples', () => {
  it("hold only the coordinator's flags, and a study it accepts", () => {
    const parsed = parseFlagSources(['--config', 'docs/examples/coordinator.yaml'], COORDINATOR_FLAGS, {});
    expect(parsed.values).toMatchObject({ 'grpc-port': '50051', 'operator-token-file': '/etc/cohort/operator.token' });
    const study = parseStudyConfig(parsed.objects['study']);
    expect(study).toMatchObject({ name: 'heart-disease-dp', privacy: 'dp', dp: { targetEpsilon: 1, delta: 0.001, clipNorm: 1 }, minClinics: 4 });
  });

  it("hold only the node's flags, for a built-in dataset and for a clinic's own data", () => {
    expect(parseFlagSources(['--config', 'docs/examples/node.yaml'], NODE_FLAGS, {}).values).toMatchObject({ site: 'cleveland', 'budget-epsilon': '3' });
    expect(parseFlagSources(['--config', 'docs/examples/node-own-data.yaml'], NODE_FLAGS, {}).values).toMatchObject({ schema: '/etc/cohort/schema.json' });
  });
});

describe('the study files of the docs and the deployment', () => {
  it('are studies the coordinator accepts, every field known', () => {
    const files = ['docs/examples', 'deploy'].flatMap((folder) =>
      existsSync(folder)
        ? readdirSync(folder)
            .filter((name) => /^study.*\.json$/.test(name))
            .map((name) => join(folder, name))
        : [],
    );
    expect(files).toContain(join('docs/examples', 'study.json'));
    for (const path of files) expect(() => parseStudyConfig(JSON.parse(readFileSync(path, 'utf8')))).not.toThrow();
  });
});

describe('cohort coordinator --config', () => {
  it('refuses a misspelt flag with the closest one, and a token written into the file', async () => {
    const file = config('grpc-prot: 50051\ninsecure: true\noperator-token: abc\n');
    await expect(coordinatorCommand.run(['--config', file])).rejects.toThrow(
      `--config ${file} has 2 problems:\n  line 1: grpc-prot is not a flag of cohort coordinator (did you mean grpc-port?)\n  line 3: operator-token: a config file holds no secrets`,
    );
  });

  it('refuses an inline study with a misspelt field, naming the file, the line and the closest field', async () => {
    const file = config('insecure: true\nstudy:\n  dataset: fed-heart-disease\n  privacy: dp\n  dp:\n    epsilon: 0.5\n');
    await expect(coordinatorCommand.run(['--config', file])).rejects.toThrow(
      `--config ${file}: the study (line 2) has 1 problem:\n  study.dp.epsilon is not a known field (did you mean dp.targetEpsilon?)`,
    );
  });
});

describe('cohort coordinator --study FILE', () => {
  it('names the file when it is missing or not JSON, with the line and column the parser gives', async () => {
    const missing = join(dir, 'missing.json');
    await expect(coordinatorCommand.run(['--insecure', '--study', missing])).rejects.toThrow(`--study ${missing}: no such file`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "dataset": "fed-heart-disease"\n  "rounds": 3\n}\n');
    await expect(coordinatorCommand.run(['--insecure', '--study', broken])).rejects.toThrow(
      `--study ${broken} is not valid JSON: Expected ',' or '}' after property value (line 3, column 3)`,
    );
  });
});

describe('cohort node --config and COHORT_ variables', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });
  const own = ['--check', '--dataset', 'liver', '--schema', 's.json', '--data', 'p.csv', '--mapping', 'm.json'];

  it('takes a setting from the command line over the environment over the file', async () => {
    const file = config('test-fraction: 0.7\n');
    await expect(nodeCommand.run([...own, '--config', file])).rejects.toThrow('--test-fraction must be from 0 to 0.5, got "0.7"');
    process.env['COHORT_TEST_FRACTION'] = '0.8';
    await expect(nodeCommand.run([...own, '--config', file])).rejects.toThrow('--test-fraction must be from 0 to 0.5, got "0.8"');
    await expect(nodeCommand.run([...own, '--config', file, '--test-fraction', '0.9'])).rejects.toThrow('--test-fraction must be from 0 to 0.5, got "0.9"');
  });

  it('reads a boolean flag from its variable', async () => {
    // COHORT_CHECK=1 is --check: the node checks its own data offline instead of connecting.
    process.env['COHORT_CHECK'] = '1';
    await expect(nodeCommand.run(own.slice(1))).rejects.toThrow(/cannot read the study schema file s\.json/);
    process.env['COHORT_CHECK'] = 'perhaps';
    await expect(nodeCommand.run(own.slice(1))).rejects.toThrow('COHORT_CHECK (--check) must be true or false (or 1, 0), got "perhaps"');
  });

  it('does not count COHORT_DATA_DIR, every command’s data directory, against a clinic’s own data; a --data-dir in the file does', async () => {
    process.env['COHORT_DATA_DIR'] = dir;
    await expect(nodeCommand.run(own)).rejects.toThrow(/cannot read the study schema file s\.json/);
    await expect(nodeCommand.run([...own, '--data-dir', dir])).rejects.toThrow('--data-dir is for built-in datasets');
    delete process.env['COHORT_DATA_DIR'];
    await expect(nodeCommand.run([...own, '--config', config(`data-dir: ${dir}\n`)])).rejects.toThrow('--data-dir is for built-in datasets');
  });
});
