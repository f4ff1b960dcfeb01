import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags, UsageError } from './flags.js';
import { readTokenFile, tokenFrom, tokenOptions } from './token-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'cohort-token-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tokenFile(name: string, text: string, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

const spec = { command: 'cohort demo', usage: 'usage', options: { ...tokenOptions('operator-token'), ...tokenOptions('token') } };

/** The token the flags give, with the warnings printed on the way. */
function resolve(args: string[], flag: 'operator-token' | 'token' = 'operator-token') {
  const warnings: string[] = [];
  const token = tokenFrom(parseFlags(args, spec), flag, 'COHORT_TEST_TOKEN', (line) => warnings.push(line));
  return { token, warnings };
}

describe('token flags', () => {
  afterEach(() => void delete process.env['COHORT_TEST_TOKEN']);

  it('read the token from the file --<flag>-file names, its trailing line break dropped', () => {
    expect(resolve(['--operator-token-file', tokenFile('lf', 's3cret\n')])).toEqual({ token: 's3cret', warnings: [] });
    expect(resolve(['--operator-token-file', tokenFile('crlf', 's3cret\r\n')]).token).toBe('s3cret');
    expect(resolve(['--operator-token-file', tokenFile('bare', 's3cret')]).token).toBe('s3cret');
    expect(resolve([`--token-file=${tokenFile('reader', 'reader-token\n', 0o400)}`], 'token').token).toBe('reader-token');
  });

  it('take the flag itself, else the environment variable, else none', () => {
    expect(resolve(['--operator-token', 'on-the-line']).token).toBe('on-the-line');
    process.env['COHORT_TEST_TOKEN'] = 'from-env';
    expect(resolve([]).token).toBe('from-env');
    expect(resolve(['--operator-token-file', tokenFile('file-wins', 'from-file\n')]).token).toBe('from-file');
    process.env['COHORT_TEST_TOKEN'] = '';
    expect(resolve([]).token).toBeUndefined();
  });

  it('refuse the flag and its file together', () => {
    expect(() => resolve(['--operator-token', 'a', '--operator-token-file', tokenFile('both', 'b')])).toThrow(
      new UsageError('give --operator-token or --operator-token-file, not both'),
    );
  });

  it('refuse a missing, empty, multi-line or non-file token file, naming flag and path', () => {
    const missing = join(dir, 'missing');
    expect(() => resolve(['--operator-token-file', missing])).toThrow(new UsageError(`--operator-token-file ${missing}: no such file`));
    for (const [name, text] of [
      ['empty', ''],
      ['newline', '\n'],
      ['blank', '  \n\n'],
    ] as const) {
      const path = tokenFile(name, text);
      expect(() => resolve(['--operator-token-file', path])).toThrow(new UsageError(`--operator-token-file ${path} is empty: it must hold the token`));
    }
    const twoLines = tokenFile('two-lines', 'one\ntwo\n');
    expect(() => resolve(['--operator-token-file', twoLines])).toThrow(`--operator-token-file ${twoLines} has more than one line`);
    const directory = join(dir, 'a-directory');
    mkdirSync(directory);
    expect(() => resolve(['--token-file', directory], 'token')).toThrow(new UsageError(`--token-file ${directory} is not a file`));
  });

  it('refuse a token file everyone may read or change, and warn when its group may read it', () => {
    const everyone = tokenFile('everyone', 't\n', 0o644);
    expect(() => readTokenFile(everyone, '--operator-token-file')).toThrow(
      new UsageError(`--operator-token-file ${everyone} may be read by everyone (mode 0644): chmod 600 ${everyone}`),
    );
    const writable = tokenFile('world-writable', 't\n', 0o602);
    expect(() => readTokenFile(writable, '--operator-token-file')).toThrow('may be changed by everyone (mode 0602)');
    const group = tokenFile('group', 'group-token\n', 0o640);
    expect(resolve(['--operator-token-file', group])).toEqual({
      token: 'group-token',
      warnings: [`cohort: --operator-token-file ${group} may be read by its group (mode 0640); chmod 600 keeps it to its owner`],
    });
  });
});
