import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSettings, envVariable, parseFlagSources, settingsReport, type SourcedSpec } from './flag-sources.js';
import { UsageError } from './flags.js';

const SPEC = {
  command: 'cohort demo',
  usage: 'usage: cohort demo',
  options: {
    'grpc-port': { type: 'string' },
    'http-port': { type: 'string' },
    host: { type: 'string' },
    insecure: { type: 'boolean' },
    mtls: { type: 'boolean' },
    convention: { type: 'string', default: 'dp-accounting' },
    'operator-token': { type: 'string' },
    'operator-token-file': { type: 'string' },
    db: { type: 'string' },
    study: { type: 'string' },
    dataset: { type: 'string' },
  },
  renamed: { accountant: 'convention' },
  objectFlags: ['study'],
  alternatives: [
    ['operator-token', 'operator-token-file'],
    ['study', 'dataset'],
  ],
} as const satisfies SourcedSpec<Record<string, { type: 'string' | 'boolean'; default?: string }>>;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cohort-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A config file holding `text`; its path. */
function config(text: string, extension = 'yaml'): string {
  const path = join(dir, `config-${++files}.${extension}`);
  writeFileSync(path, text);
  return path;
}

function parse(args: string[], env: NodeJS.ProcessEnv = {}, warnings: string[] = []) {
  return parseFlagSources(args, SPEC, env, (line) => warnings.push(line));
}

/** The UsageError message `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('a flag from the command line, the environment or a config file', () => {
  it('takes the command line over the environment over the file', () => {
    const file = config('grpc-port: 1001\nhttp-port: 2001\nhost: 0.0.0.0\n');
    const env = { COHORT_GRPC_PORT: '1002', COHORT_HTTP_PORT: '2002' };
    const { values, sources } = parse(['--config', file, '--grpc-port', '1003'], env);
    expect(values).toMatchObject({ 'grpc-port': '1003', 'http-port': '2002', host: '0.0.0.0' });
    expect(sources['grpc-port']).toEqual({ kind: 'flag' });
    expect(sources['http-port']).toEqual({ kind: 'env', variable: 'COHORT_HTTP_PORT' });
    expect(sources['host']).toEqual({ kind: 'file', path: file, line: 3 });
  });

  it('names every variable COHORT_ and the flag in upper snake case, a flag the spec gains later included', () => {
    expect(envVariable('grpc-port')).toBe('COHORT_GRPC_PORT');
    expect(envVariable('operator-token-file')).toBe('COHORT_OPERATOR_TOKEN_FILE');
    const spec = { ...SPEC, options: { ...SPEC.options, 'log-format': { type: 'string' } } } as const;
    const file = config('log-format: json\n');
    expect(parseFlagSources([], spec, { COHORT_LOG_FORMAT: 'pretty' }).values['log-format']).toBe('pretty');
    expect(parseFlagSources(['--config', file], spec, {}).values['log-format']).toBe('json');
  });

  it('reads a boolean flag from its variable as true or false, and refuses anything else naming the variable', () => {
    expect(parse([], { COHORT_INSECURE: 'true', COHORT_MTLS: '0' }).values).toMatchObject({ insecure: true, mtls: false });
    expect(parse([], { COHORT_INSECURE: 'YES' }).values.insecure).toBe(true);
    expect(parse([], { COHORT_INSECURE: '' }).values.insecure).toBeUndefined();
    expect(refusal(() => parse([], { COHORT_INSECURE: 'maybe' }))).toBe(
      'cohort demo: COHORT_INSECURE (--insecure) must be true or false (or 1, 0), got "maybe"',
    );
    // The command line still wins over the environment.
    expect(parse(['--insecure'], { COHORT_INSECURE: 'false' }).values.insecure).toBe(true);
  });

  it('applies a default only where no source gives the flag', () => {
    expect(parse([]).values.convention).toBe('dp-accounting');
    expect(parse([]).sources['convention']).toEqual({ kind: 'default' });
    expect(parse(['--config', config('convention: opacus\n')]).values.convention).toBe('opacus');
    expect(parse(['--convention', 'tf-privacy'], { COHORT_CONVENTION: 'opacus' }).values.convention).toBe('tf-privacy');
  });

  it('takes the config file from COHORT_CONFIG when --config is not given', () => {
    const file = config('host: 10.0.0.5\n');
    const parsed = parse([], { COHORT_CONFIG: file });
    expect(parsed.values.host).toBe('10.0.0.5');
    expect(parsed.configPath).toBe(file);
  });

  it('treats a token and its file as one setting: a file on the command line is not combined with a token in the environment', () => {
    const { values } = parse(['--operator-token-file', 'op.token'], { COHORT_OPERATOR_TOKEN: 'from-env' });
    expect(values['operator-token-file']).toBe('op.token');
    expect(values['operator-token']).toBeUndefined();
    const fromFile = parse(['--config', config('operator-token-file: op.token\n')], { COHORT_OPERATOR_TOKEN: 'from-env' }).values;
    expect(fromFile).toMatchObject({ 'operator-token': 'from-env' });
    expect(fromFile['operator-token-file']).toBeUndefined();
  });
});

describe('a config file', () => {
  it('reads YAML and JSON, numbers as the text of the flag', () => {
    expect(parse(['--config', config('grpc-port: 50051\ninsecure: true\n')]).values).toMatchObject({ 'grpc-port': '50051', insecure: true });
    expect(parse(['--config', config('{ "grpc-port": 50051, "db": "x.sqlite" }', 'json')]).values).toMatchObject({ 'grpc-port': '50051', db: 'x.sqlite' });
  });

  it('refuses unknown keys naming the closest flag, and wrong types, all at once with the file and lines', () => {
    const file = config('grpcPort: 50051\nhost: 127.0.0.1\ninsecure: "yes"\nhttp-prot: 8080\ncolour: blue\nmtls:\ndb: [a, b]\n');
    expect(refusal(() => parse(['--config', file]))).toBe(
      [
        `--config ${file} has 6 problems:`,
        '  line 1: grpcPort is not a flag of cohort demo (did you mean grpc-port?)',
        '  line 3: insecure must be true or false, got "yes"',
        '  line 4: http-prot is not a flag of cohort demo (did you mean http-port?)',
        '  line 5: colour is not a flag of cohort demo (cohort demo --help lists them)',
        '  line 6: mtls has no value: give one, or leave the key out',
        '  line 7: db must be a string or a number, got ["a","b"]',
      ].join('\n'),
    );
  });

  it('refuses two flags that are one setting given two ways', () => {
    expect(refusal(() => parse(['--config', config('study: study.json\nhost: h\ndataset: fed-heart-disease\n')]))).toContain(
      'line 3: dataset and study (line 1) are one setting given two ways: keep one',
    );
  });

  it('refuses a secret, which belongs in a file of its own', () => {
    expect(refusal(() => parse(['--config', config('operator-token: s3cret\n')]))).toContain(
      'line 1: operator-token: a config file holds no secrets (anyone who may read it, or a copy of it, learns them); give operator-token-file',
    );
  });

  it('takes an old flag name with a deprecation line, but not beside the new one', () => {
    const warnings: string[] = [];
    const file = config('accountant: opacus\n');
    expect(parse(['--config', file], {}, warnings).values.convention).toBe('opacus');
    expect(warnings).toEqual([`cohort: accountant in ${file} is deprecated, use convention (cohort demo)`]);
    expect(refusal(() => parse(['--config', config('convention: opacus\naccountant: opacus\n')], {}, []))).toContain(
      'line 2: accountant sets convention, which line 1 sets already',
    );
  });

  it('may give an object flag inline, and no other flag as an object', () => {
    const file = config('study:\n  dataset: fed-heart-disease\n  rounds: 3\n');
    const parsed = parse(['--config', file]);
    expect(parsed.objects['study']).toEqual({ dataset: 'fed-heart-disease', rounds: 3 });
    expect(parsed.sources['study']).toEqual({ kind: 'file', path: file, line: 1 });
    expect(parse(['--config', config('study: study.json\n')]).values.study).toBe('study.json');
    expect(refusal(() => parse(['--config', config('host:\n  name: x\n')]))).toContain('line 1: host must be a string or a number, got {"name":"x"}');
  });

  it('is refused when it cannot be read or parsed, naming the file and the line', () => {
    const missing = join(dir, 'missing.yaml');
    expect(refusal(() => parse(['--config', missing]))).toBe(`--config ${missing}: no such file`);
    expect(refusal(() => parse(['--config', dir]))).toBe(`--config ${dir}: a directory, not a file`);
    const broken = config('host: a\ngrpc-port: [1,\nmtls: true\n');
    expect(refusal(() => parse(['--config', broken]))).toMatch(new RegExp(`^--config ${broken} is not valid YAML or JSON:\\n  line 3, column 1: `));
    const twice = config('host: a\nhost: b\n');
    expect(refusal(() => parse(['--config', twice]))).toBe(`--config ${twice} is not valid YAML or JSON:\n  line 2, column 1: Map keys must be unique`);
    const json = config('{ "host": "a",\n  "db": \n', 'json');
    expect(refusal(() => parse(['--config', json]))).toMatch(/is not valid YAML or JSON:\n {2}line 2, column 9: Flow map must end with a }/);
    expect(refusal(() => parse(['--config', config('')]))).toContain('is empty');
    expect(refusal(() => parse(['--config', config('- host\n- db\n')]))).toContain('must be a mapping of flag names to values');
    if (process.getuid?.() !== 0) {
      const unreadable = config('host: a\n');
      chmodSync(unreadable, 0o000);
      expect(refusal(() => parse(['--config', unreadable]))).toBe(`--config ${unreadable}: not readable by this user`);
    }
  });
});

describe('a COHORT_ variable that is no setting of the command', () => {
  it('is reported with the closest variable when it looks misspelt, and otherwise left alone', () => {
    const warnings: string[] = [];
    parse([], { COHORT_GRPC_PROT: '1', COHORT_DATA_DIR: '/data', COHORT_SITE: 'cleveland', COHORT_TEST_POSTGRES: 'x', PATH: '/bin' }, warnings);
    expect(warnings).toEqual(['cohort: COHORT_GRPC_PROT is not a setting of cohort demo (did you mean COHORT_GRPC_PORT?); ignored']);
  });
});

describe('the settings a command starts with', () => {
  it('name each source and hide secrets and URL passwords', () => {
    const file = config('host: 0.0.0.0\ndb: postgres://cohort:pa55@db:5432/cohort\nstudy:\n  dataset: fed-heart-disease\n');
    const parsed = parse(['--config', file, '--grpc-port', '50051'], { COHORT_OPERATOR_TOKEN: 'secret-token' });
    const lines = settingsReport(parsed);
    expect(lines).toEqual([
      `settings (config ${file}):`,
      '  grpc-port 50051  (command line)',
      '  operator-token ***  (COHORT_OPERATOR_TOKEN)',
      `  host 0.0.0.0  (${file} line 1)`,
      `  db postgres://cohort:***@db:5432/cohort  (${file} line 2)`,
      `  study (inline)  (${file} line 3)`,
    ]);
    expect(lines.join('\n')).not.toContain('secret-token');
    expect(lines.join('\n')).not.toContain('pa55');
  });

  it('are not reported when everything came from the command line', () => {
    expect(settingsReport(parse(['--grpc-port', '1']))).toEqual([]);
    expect(describeSettings({ host: 'h' }, { host: { kind: 'flag' } })).toEqual(['  host h  (command line)']);
  });
});
