import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../common/paths.js';
import { COMMAND_CATALOGUE } from './commands/catalogue.js';
import { COMMANDS } from './commands/index.js';
import { OVERVIEW, runCohort } from './main.js';

/** Runs `cohort ...args` in this process, collecting what it prints. */
async function cohort(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCohort(args, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Each command with a subcommand that takes flags (or none for commands without subcommands). */
const FIRST_SUBCOMMAND: Record<string, string[]> = {
  simulate: [],
  coordinator: [],
  study: ['list'],
  node: [],
  clinic: ['enrol'],
  keys: ['status'],
  certs: ['init'],
  privacy: ['epsilon'],
  audit: ['verify'],
  model: ['export'],
  predict: [],
  bench: ['he'],
};

describe('cohort --help', () => {
  it('lists every command, exit 0; with no command at all, exit 2', async () => {
    for (const help of ['--help', '-h', 'help']) expect(await cohort(help)).toEqual({ code: 0, out: OVERVIEW, err: '' });
    for (const command of COMMANDS) expect(OVERVIEW).toContain(`  ${command.name.padEnd(12)} ${command.summary}`);
    expect(await cohort()).toEqual({ code: 2, out: OVERVIEW, err: '' });
  });

  it('lists the commands as their own modules describe them, in the same order', () => {
    expect(COMMAND_CATALOGUE.map((c) => [c.name, c.summary])).toEqual(COMMANDS.map((c) => [c.name, c.summary]));
  });

  it('the table above names every command', () => {
    expect(Object.keys(FIRST_SUBCOMMAND).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it.each(COMMANDS.map((c) => c.name))("cohort %s --help prints that command's usage only, exit 0", async (name) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    const run = await cohort(name, '--help');
    expect(run).toEqual({ code: 0, out: command.usage, err: '' });
    expect(command.usage).toContain(`cohort ${name}`);
    // Every usage line names this command, no other.
    const named = command.usage.split('\n').flatMap((line) => /^ {2}cohort (\S+)/.exec(line)?.[1] ?? []);
    expect(new Set(named)).toEqual(new Set([name]));
  });

  it.each(Object.entries(FIRST_SUBCOMMAND).filter(([, sub]) => sub.length > 0))(
    "cohort %s %s --help prints the subcommand's usage, exit 0",
    async (name, sub) => {
      const run = await cohort(name, ...sub, '--help');
      expect(run.code).toBe(0);
      expect(run.out).toMatch(new RegExp(`^ {2}cohort ${name} ${sub[0]} `));
      expect(COMMANDS.find((c) => c.name === name)!.usage).toContain(run.out.split('\n')[0]!);
    },
  );
});

describe('bad input', () => {
  it.each(Object.entries(FIRST_SUBCOMMAND))('cohort %s with an unknown flag names the flag and prints the usage, exit 2', async (name, sub) => {
    const run = await cohort(name, ...sub, '--bogus');
    const command = [name, ...sub].join(' ');
    expect(run.code).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toMatch(new RegExp(`^cohort: unknown flag --bogus for cohort ${command}\n\n {2}cohort ${command}`));
  });

  it("an unknown command or subcommand says which, with the overview or the command's usage", async () => {
    expect(await cohort('train')).toEqual({ code: 2, out: '', err: `cohort: unknown command "train"\n\n${OVERVIEW}` });
    const keys = COMMANDS.find((c) => c.name === 'keys')!;
    expect(await cohort('keys', 'rotate')).toEqual({
      code: 2,
      out: '',
      err: `cohort: unknown keys subcommand "rotate" (init, card, pin, enrol, generate, fetch, status)\n\n${keys.usage}`,
    });
    expect((await cohort('coordinater')).err).toMatch(/^cohort: unknown command "coordinater" \(did you mean coordinator\?\)\n/);
    expect((await cohort('keys', 'genrate')).err).toMatch(
      /^cohort: unknown keys subcommand "genrate" \(init, card, pin, enrol, generate, fetch, status; did you mean generate\?\)\n/,
    );
    expect((await cohort('keys')).err).toBe(`cohort: cohort keys needs a subcommand: init, card, pin, enrol, generate, fetch or status\n\n${keys.usage}`);
    expect((await cohort('bench', 'gpu')).err.split('\n')[0]).toBe('cohort: unknown benchmark "gpu" (he, dp, secagg, load, console)');
  });

  it('a missing required flag is a usage error of that command', async () => {
    const keys = COMMANDS.find((c) => c.name === 'keys')!;
    const run = await cohort('keys', 'status', '--study-id', 's1');
    expect(run.code).toBe(2);
    expect(run.err.split('\n')[0]).toBe('cohort: --coordinator-url URL is required');
    expect(keys.usage).toContain(run.err.split('\n\n')[1]!);
  });
});

describe('cohort --version', () => {
  it("prints the package's version, exit 0", async () => {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V', 'version']) expect(await cohort(flag)).toEqual({ code: 0, out: `cohort ${version}`, err: '' });
  });
});
