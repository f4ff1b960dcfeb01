import { describe, expect, it } from '@jest/globals';
import { HelpRequested, parseFlags, requireFlag, UsageError, wholeNumberFlag } from './flags.js';

const spec = {
  command: 'cohort demo',
  usage: '  cohort demo --clinic-id ID [--json]',
  options: { 'clinic-id': { type: 'string' }, json: { type: 'boolean' }, rounds: { type: 'string', default: '3' } },
  renamed: { clinic: 'clinic-id' },
} as const;

function parse(args: string[]) {
  const warnings: string[] = [];
  const values = parseFlags(args, spec, (line) => warnings.push(line));
  return { values, warnings };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseFlags', () => {
  it('reads strings, booleans and defaults', () => {
    expect(parse(['--clinic-id', 'va', '--json']).values).toEqual({ 'clinic-id': 'va', json: true, rounds: '3', positionals: [] });
    expect(parse(['--clinic-id=va', '--rounds', '5']).values).toMatchObject({ 'clinic-id': 'va', rounds: '5' });
  });

  it('--help or -h anywhere asks for the usage, whatever else is wrong', () => {
    for (const args of [['--help'], ['--clinic-id', 'va', '-h'], ['--bogus', '--help']]) {
      const error = thrown(() => parse(args));
      expect(error).toBeInstanceOf(HelpRequested);
      expect((error as HelpRequested).usage).toBe(spec.usage);
    }
  });

  it('an unknown flag is a UsageError naming it and the command, carrying the usage', () => {
    const error = thrown(() => parse(['--clinic-id', 'va', '--bogus']));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ message: 'unknown flag --bogus for cohort demo', usage: spec.usage });
    expect(thrown(() => parse(['-x']))).toMatchObject({ message: 'unknown flag -x for cohort demo' });
  });

  it('an unknown flag close to a known one names it', () => {
    expect(thrown(() => parse(['--clinicid', 'va']))).toMatchObject({ message: 'unknown flag --clinicid for cohort demo (did you mean --clinic-id?)' });
    expect(thrown(() => parse(['--round=5']))).toMatchObject({ message: 'unknown flag --round for cohort demo (did you mean --rounds?)' });
  });

  it('a value missing or given to a boolean, and a stray argument, are UsageErrors too', () => {
    expect(thrown(() => parse(['--clinic-id']))).toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining("'--clinic-id <value>' argument missing"),
      usage: spec.usage,
    });
    expect(thrown(() => parse(['--json=yes']))).toMatchObject({ name: 'UsageError', message: expect.stringContaining("'--json' does not take an argument") });
    expect(thrown(() => parse(['extra']))).toMatchObject({ name: 'UsageError', message: 'cohort demo takes no argument extra' });
  });

  it('an old spelling is accepted as the new one, with one deprecation line each time', () => {
    expect(parse(['--clinic', 'va'])).toEqual({
      values: { 'clinic-id': 'va', rounds: '3', positionals: [] },
      warnings: ['cohort: --clinic is deprecated, use --clinic-id (cohort demo)'],
    });
    expect(parse(['--clinic=va']).values['clinic-id']).toBe('va');
    expect(parse(['--clinic-id', 'va']).warnings).toEqual([]);
  });

  it('positionals only where the command takes them', () => {
    expect(parseFlags(['file.pem'], { ...spec, positionals: true }).positionals).toEqual(['file.pem']);
  });
});

describe('requireFlag', () => {
  it('returns the value, or names the flag and its placeholder', () => {
    expect(requireFlag({ keystore: 'keys' }, 'keystore', 'DIR')).toBe('keys');
    expect(() => requireFlag({}, 'keystore', 'DIR')).toThrow(new UsageError('--keystore DIR is required'));
    expect(() => requireFlag({ keystore: '' }, 'keystore', 'DIR', ': it signs every call')).toThrow('--keystore DIR is required: it signs every call');
  });
});

describe('wholeNumberFlag', () => {
  it('reads a whole number of at least the bound, or names the flag and the value', () => {
    expect(wholeNumberFlag('clinics', '200')).toBe(200);
    expect(wholeNumberFlag('num-test', '0', 0)).toBe(0);
    for (const raw of ['0', '1.5', '', ' ', 'x', '-3']) {
      expect(() => wholeNumberFlag('clinics', raw)).toThrow(new UsageError(`--clinics must be a whole number >= 1, got "${raw}"`));
    }
    expect(() => wholeNumberFlag('num-test', '-1', 0)).toThrow('--num-test must be a whole number >= 0, got "-1"');
  });
});
