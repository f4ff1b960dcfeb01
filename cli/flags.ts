/**
 * The one way `cohort` commands read their flags: node:util parseArgs, strict, behind `parseFlags`.
 * `--help` (or `-h`) anywhere asks for the command's usage; an unknown flag is a UsageError naming it
 * and carrying the command's usage; an old spelling of a renamed flag still works and says so once.
 *
 * ```ts
 * const values = parseFlags(args, {
 *   command: 'cohort audit report',
 *   usage: AUDIT_REPORT_USAGE,
 *   options: { 'coordinator-url': { type: 'string' }, json: { type: 'boolean' } },
 * });
 * const url = requireFlag(values, 'coordinator-url', 'URL');
 * ```
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { closestKey } from '../common/closest-key.js';

/** Bad command-line input: exit code 2, the message and the usage of the command (or of cohort). */
export class UsageError extends Error {
  /** The usage of the command that was called; unset: the overview. */
  usage?: string;

  constructor(message: string, usage?: string) {
    super(message);
    this.name = 'UsageError';
    if (usage !== undefined) this.usage = usage;
  }
}

/** `--help` was given: print `usage` to stdout and exit 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

export interface FlagSpec<O extends ParseArgsOptionsConfig> {
  /** The command as typed, for messages: `cohort keys generate`. */
  command: string;
  /** What `--help` prints and what follows an error in the flags. */
  usage: string;
  /** The flags, as parseArgs takes them (strings and booleans; defaults allowed). */
  options: O;
  /** Old spellings of renamed flags, each to its current name: accepted, with a deprecation line on stderr. */
  renamed?: Readonly<Record<string, keyof O & string>>;
  /** Whether the command takes positional arguments (default: none). */
  positionals?: boolean;
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

type ValueOf<F> = F extends { type: 'boolean' } ? boolean : string;
/** The parsed values: flags with a default are always present, the others optional. */
export type Values<O extends ParseArgsOptionsConfig> = { [K in keyof O as O[K] extends { default: unknown } ? K : never]: ValueOf<O[K]> } & {
  [K in keyof O as O[K] extends { default: unknown } ? never : K]?: ValueOf<O[K]>;
};

/**
 * Parses `args` against `spec`; throws HelpRequested for --help and UsageError for anything unknown or
 * malformed. `warn` receives the deprecation lines of old flag spellings (default: stderr).
 */
export function parseFlags<O extends ParseArgsOptionsConfig>(args: string[], spec: FlagSpec<O>, warn = toStderr): Values<O> & { positionals: string[] } {
  if (args.some((arg) => arg === '--help' || arg === '-h')) throw new HelpRequested(spec.usage);
  const renamedArgs = args.map((arg) => renameFlag(arg, spec, warn));
  try {
    const { values, positionals } = parseArgs({ args: renamedArgs, options: spec.options, strict: true, allowPositionals: spec.positionals === true });
    return { ...(values as unknown as Values<O>), positionals };
  } catch (error) {
    throw usageErrorOf(error, spec);
  }
}

/** A required string flag's value, or a UsageError naming it with its placeholder (`--keystore DIR is required`). */
export function requireFlag(values: Record<string, unknown>, flag: string, placeholder: string, why = ''): string {
  const value = values[flag];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${flag} ${placeholder} is required${why}`);
  return value;
}

/** A flag's value as a whole number of at least `least`, or a UsageError naming the flag and the value. */
export function wholeNumberFlag(flag: string, raw: string, least = 1): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < least) throw new UsageError(`--${flag} must be a whole number >= ${least}, got "${raw}"`);
  return n;
}

function renameFlag<O extends ParseArgsOptionsConfig>(arg: string, spec: FlagSpec<O>, warn: (line: string) => void): string {
  if (!arg.startsWith('--') || !spec.renamed) return arg;
  const [name, ...value] = arg.slice(2).split('=');
  const current = Object.hasOwn(spec.renamed, name!) ? spec.renamed[name!] : undefined;
  if (current === undefined) return arg;
  warn(`cohort: --${name} is deprecated, use --${current} (${spec.command})`);
  return `--${current}${value.length > 0 ? `=${value.join('=')}` : ''}`;
}

/** parseArgs' errors, reworded to name the flag and the command, with the command's usage. */
function usageErrorOf<O extends ParseArgsOptionsConfig>(error: unknown, spec: FlagSpec<O>): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return error;
  const message = (error as Error).message;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const closest = flag?.startsWith('--') ? closestKey(flag.slice(2).split('=')[0]!, Object.keys(spec.options)) : undefined;
    return new UsageError(`unknown flag ${flag ?? message} for ${spec.command}${closest === undefined ? '' : ` (did you mean --${closest}?)`}`, spec.usage);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return new UsageError(`${spec.command} takes no argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}`.trimEnd(), spec.usage);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`${spec.command}: ${message.replace(/^Option /, '')}`, spec.usage);
  return new UsageError(`${spec.command}: ${message}`, spec.usage);
}
