/**
 * `cohort <command> ...` as a function: finds the command, runs it, and turns what went wrong into
 * an exit code and a message. `--help` prints the usage asked for on stdout and exits 0; bad input
 * exits 2 with the message and the usage of the command it was meant for; any other error exits 1.
 *
 * ```ts
 * const code = await runCohort(['keys', '--help'], { out: (text) => lines.push(text), err: console.error });
 * ```
 */
import { didYouMean } from '../common/closest-key.js';
import type { Command } from './command.js';
import { readFileSync } from 'node:fs';
import { COMMAND_CATALOGUE } from './commands/catalogue.js';
import { PACKAGE_ROOT } from '../common/paths.js';
import { HelpRequested, UsageError } from './flags.js';

export const OVERVIEW = `usage: cohort <command> [flags]    (cohort <command> --help: that command's flags)

${COMMAND_CATALOGUE.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

Data: --data-dir (or COHORT_DATA_DIR) names a directory holding uci-heart-disease/; without it, files are
downloaded once from UCI into ~/.cache/cohort (COHORT_CACHE_DIR) and checked against their MD5 sums.`;

export interface Output {
  /** stdout: usage asked for with --help. */
  out(text: string): void;
  /** stderr: errors, with the usage after bad input. */
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
};

/** Runs `cohort ...argv`; resolves to the exit code (never rejects). */
export async function runCohort(argv: string[], output: Output = processOutput): Promise<number> {
  const [name, ...rest] = argv;
  let command: Command | undefined;
  try {
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      output.out(OVERVIEW);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      output.out(`cohort ${version()}`);
      return 0;
    }
    const entry = COMMAND_CATALOGUE.find((c) => c.name === name);
    if (!entry)
      throw new UsageError(
        `unknown command "${name}"${didYouMean(
          name,
          COMMAND_CATALOGUE.map((c) => c.name),
        )}`,
      );
    command = await entry.load();
    return await command.run(rest);
  } catch (error) {
    return report(error, command, output);
  }
}

function report(error: unknown, command: Command | undefined, output: Output): number {
  if (error instanceof HelpRequested) {
    output.out(error.usage);
    return 0;
  }
  if (process.env['COHORT_DEBUG']) console.error(error);
  if (error instanceof UsageError) {
    output.err(`cohort: ${error.message}\n\n${error.usage ?? command?.usage ?? OVERVIEW}`);
    return 2;
  }
  output.err(`cohort: ${(error as Error).message}`);
  return 1;
}

/** The package's version, from its package.json. */
function version(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, 'utf8')) as { version: string }).version;
}
