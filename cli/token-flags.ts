/**
 * A role's bearer token without putting it on the command line, where anyone on the machine can read
 * it (`ps`, /proc/PID/cmdline): `--operator-token-file F` names a file holding it, or the environment
 * variable (`COHORT_OPERATOR_TOKEN`) carries it. `--operator-token T` still works, for tests and
 * throwaway networks.
 */
import { readFileSync, statSync } from 'node:fs';
import { UsageError } from './flags.js';

/** The token flags of the commands: the coordinator's two roles, and `--token` where either role may read. */
export type TokenFlag = 'operator-token' | 'auditor-token' | 'token';

type TokenOptions<F extends TokenFlag> = { [K in F | `${F}-file`]: { type: 'string' } };

/** The parseArgs options of a token flag and its `-file` twin. */
export function tokenOptions<F extends TokenFlag>(flag: F): TokenOptions<F> {
  return { [flag]: { type: 'string' }, [`${flag}-file`]: { type: 'string' } } as TokenOptions<F>;
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * The token from `--<flag>`, or read from the file `--<flag>-file` names, or else from the
 * environment variable `env`; undefined when none is given (or the variable is empty).
 */
export function tokenFrom(values: Record<string, unknown>, flag: TokenFlag, env: string, warn = toStderr): string | undefined {
  const given = values[flag];
  const file = values[`${flag}-file`];
  if (given !== undefined && file !== undefined) throw new UsageError(`give --${flag} or --${flag}-file, not both`);
  if (typeof file === 'string') return readTokenFile(file, `--${flag}-file`, warn);
  if (typeof given === 'string') return given;
  return process.env[env] || undefined;
}

/**
 * A token file's token: its trailing line break (`echo "$T" > file`) is dropped. Refused: a missing,
 * unreadable or empty file, one of several lines, and one everyone may read or write (the token
 * would be no secret); a file its group may read is taken with a warning.
 */
export function readTokenFile(path: string, flag: string, warn: (line: string) => void = toStderr): string {
  let text: string;
  let mode: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`${flag} ${path} is not a file`);
    mode = stat.mode & 0o777;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : (error as Error).message}`);
  }
  const token = text.replace(/[\r\n]+$/, '');
  if (token.trim() === '') throw new UsageError(`${flag} ${path} is empty: it must hold the token`);
  if (/[\r\n]/.test(token)) throw new UsageError(`${flag} ${path} has more than one line: it must hold the token alone`);
  if (process.platform !== 'win32') {
    if (mode & 0o006)
      throw new UsageError(`${flag} ${path} may be ${mode & 0o004 ? 'read' : 'changed'} by everyone (mode 0${mode.toString(8)}): chmod 600 ${path}`);
    if (mode & 0o060)
      warn(`cohort: ${flag} ${path} may be ${mode & 0o040 ? 'read' : 'changed'} by its group (mode 0${mode.toString(8)}); chmod 600 keeps it to its owner`);
  }
  return token;
}
