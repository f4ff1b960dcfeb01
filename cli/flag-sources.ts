/**
 * Flags from three places, for long-running commands (`cohort coordinator`, `cohort node`): the
 * command line, the environment (`--grpc-port` is `COHORT_GRPC_PORT`) and a config file
 * (`--config FILE`, or `COHORT_CONFIG`), in that order of precedence. Every flag of the command's
 * spec takes part, a flag added later included: nothing here lists them. The config file is checked
 * against the spec whole, every wrong key or value named at once with its line and, for a key, the
 * closest flag name.
 *
 * ```ts
 * const { values, sources } = parseFlagSources(args, { command: 'cohort node', usage: USAGE, options: NODE_FLAGS });
 * for (const line of describeSettings(values, sources)) console.log(line);
 * ```
 */
import type { ParseArgsOptionsConfig } from 'node:util';
import { closestKey } from '../common/closest-key.js';
import { readConfigFile, type ConfigFile } from './config-file.js';
import { parseFlags, UsageError, type FlagSpec, type Values } from './flags.js';

/** Where a flag's value came from: the command line, an environment variable, the config file, or the flag's default. */
export type FlagSource = { kind: 'flag' } | { kind: 'env'; variable: string } | { kind: 'file'; path: string; line: number } | { kind: 'default' };

export interface SourcedSpec<O extends ParseArgsOptionsConfig> extends FlagSpec<O> {
  /** String flags whose config-file value may also be an object (`study:` given inline); returned in `objects`. */
  objectFlags?: readonly (keyof O & string)[];
  /**
   * Flags that are one setting given in different ways (`operator-token`, `operator-token-file`):
   * the most important source that sets any of them sets them all, so a token file on the command
   * line is not combined with a token in the environment.
   */
  alternatives?: readonly (readonly (keyof O & string)[])[];
}

export interface SourcedFlags<O extends ParseArgsOptionsConfig> {
  values: Values<O> & { positionals: string[] };
  /** The source of each flag that has a value. */
  sources: Record<string, FlagSource>;
  /** Values of `objectFlags` given as objects in the config file. */
  objects: Record<string, Record<string, unknown>>;
  /** The config file read, if any. */
  configPath?: string;
}

/** The usage line of `--config`, for the commands that take it. */
export const CONFIG_USAGE =
  '[--config FILE (YAML or JSON, flag names as keys; every flag is also COHORT_<FLAG>, e.g. COHORT_GRPC_PORT; command line > environment > file)]';

/** The variable naming the config file when `--config` is not given. */
export const CONFIG_VARIABLE = 'COHORT_CONFIG';

/** Variables Cohort reads that are not flags of any one command: never reported as misspelt flags. */
const OTHER_VARIABLES = new Set([CONFIG_VARIABLE, 'COHORT_DATA_DIR', 'COHORT_CACHE_DIR', 'COHORT_DEBUG']);

/** A flag's environment variable: `COHORT_` and its name in upper snake case (`--grpc-port`: `COHORT_GRPC_PORT`). */
export function envVariable(flag: string): string {
  return `COHORT_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * Flags whose values are secrets: a config file may not hold them (it names a file holding the
 * secret instead), and settings are shown with them as `***`.
 */
export function isSecretFlag(flag: string): boolean {
  return /(^|-)(token|password)$/.test(flag);
}

const toStderr = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Parses `args` as {@link parseFlags} does, then fills each flag not on the command line from its
 * environment variable, else from the config file, else its default. Throws a UsageError listing
 * every problem of the config file, or naming an environment variable whose value does not fit its
 * flag; `warn` gets the deprecation lines of old flag names and a line for each `COHORT_` variable
 * that looks like a misspelt flag of this command (the environment is shared by every command, so it
 * is not refused).
 */
export function parseFlagSources<O extends ParseArgsOptionsConfig>(
  args: string[],
  spec: SourcedSpec<O>,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = toStderr,
): SourcedFlags<O> {
  if (Object.hasOwn(spec.options, 'config')) throw new Error(`${spec.command} has its own --config flag`);
  const options = spec.options as ParseArgsOptionsConfig;
  // Defaults are applied last, so that a default is never mistaken for a value given on the command line.
  const withoutDefaults = Object.fromEntries(Object.entries(options).map(([name, { default: _, ...option }]) => [name, option]));
  const argvSpec: FlagSpec<ParseArgsOptionsConfig> = {
    ...spec,
    renamed: spec.renamed as Record<string, string> | undefined,
    options: { ...withoutDefaults, config: { type: 'string' } },
  };
  const parsed = parseFlags(args, argvSpec, warn) as Record<string, unknown> & { positionals: string[] };
  const { positionals, config, ...given } = parsed;
  const values: Record<string, unknown> = {};
  const sources: Record<string, FlagSource> = {};
  const objects: Record<string, Record<string, unknown>> = {};
  const set = (flag: string, value: unknown, source: FlagSource) => {
    values[flag] = value;
    sources[flag] = source;
  };
  for (const [flag, value] of Object.entries(given)) if (value !== undefined) set(flag, value, { kind: 'flag' });

  const onCommandLine = new Set(Object.keys(sources));
  const fromEnv = environmentValues(spec, env, warn);
  for (const [flag, value] of Object.entries(fromEnv)) {
    if (!alternativesOf(spec, flag).some((other) => onCommandLine.has(other))) set(flag, value, { kind: 'env', variable: envVariable(flag) });
  }
  const envDecided = new Set(Object.keys(sources));

  const configPath = typeof config === 'string' ? config : env[CONFIG_VARIABLE] || undefined;
  if (configPath !== undefined) {
    const file = readConfigFile(configPath);
    for (const { key, value, line } of fileValues(file, spec, warn)) {
      if (alternativesOf(spec, key).some((other) => envDecided.has(other))) continue;
      if (typeof value === 'object' && value !== null) {
        objects[key] = value as Record<string, unknown>;
        sources[key] = { kind: 'file', path: file.path, line };
      } else set(key, value, { kind: 'file', path: file.path, line });
    }
  }
  for (const [flag, option] of Object.entries(options)) {
    if (option.default !== undefined && sources[flag] === undefined) set(flag, option.default, { kind: 'default' });
  }
  return { values: { ...(values as Values<O>), positionals }, sources, objects, ...(configPath !== undefined && { configPath }) };
}

/** `flag` and the flags that are the same setting given another way. */
function alternativesOf<O extends ParseArgsOptionsConfig>(spec: SourcedSpec<O>, flag: string): readonly string[] {
  return spec.alternatives?.find((group) => (group as readonly string[]).includes(flag)) ?? [flag];
}

/** Each flag's value from its `COHORT_` variable (empty counts as unset); a UsageError for a boolean that is not one. */
function environmentValues<O extends ParseArgsOptionsConfig>(
  spec: SourcedSpec<O>,
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Record<string, unknown> {
  const options = spec.options as ParseArgsOptionsConfig;
  const found: Record<string, unknown> = {};
  const problems: string[] = [];
  const variables = new Map(Object.keys(options).map((flag) => [envVariable(flag), flag]));
  for (const [variable, flag] of variables) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (options[flag]!.type === 'string') found[flag] = raw;
    else if (/^(true|1|yes)$/i.test(raw)) found[flag] = true;
    else if (/^(false|0|no)$/i.test(raw)) found[flag] = false;
    else problems.push(`${variable} (--${flag}) must be true or false (or 1, 0), got "${raw}"`);
  }
  if (problems.length > 0) throw new UsageError(`${spec.command}: ${problems.join('; ')}`);
  const suffixes = [...variables.keys()].map((variable) => variable.slice('COHORT_'.length));
  for (const variable of Object.keys(env)) {
    if (!variable.startsWith('COHORT_') || variables.has(variable) || OTHER_VARIABLES.has(variable) || /^COHORT_(TEST|FUZZ)_/.test(variable)) continue;
    const closest = closestKey(variable.slice('COHORT_'.length), suffixes);
    if (closest !== undefined) warn(`cohort: ${variable} is not a setting of ${spec.command} (did you mean COHORT_${closest}?); ignored`);
  }
  return found;
}

/** The config file's settings checked against the spec: every problem at once, each with its line, in one UsageError. */
function fileValues<O extends ParseArgsOptionsConfig>(
  file: ConfigFile,
  spec: SourcedSpec<O>,
  warn: (line: string) => void,
): { key: string; value: unknown; line: number }[] {
  const options = spec.options as ParseArgsOptionsConfig;
  const problems: string[] = [];
  const accepted: { key: string; value: unknown; line: number }[] = [];
  const seen = new Map<string, number>();
  for (const setting of file.settings) {
    const problem = (message: string) => problems.push(`line ${setting.line}: ${message}`);
    let key = setting.key;
    const renamed = spec.renamed && Object.hasOwn(spec.renamed, key) ? (spec.renamed[key] as string) : undefined;
    if (renamed !== undefined) {
      warn(`cohort: ${key} in ${file.path} is deprecated, use ${renamed} (${spec.command})`);
      key = renamed;
    }
    const option = Object.hasOwn(options, key) ? options[key] : undefined;
    if (key === 'config') {
      problem('config: a config file cannot name another one');
      continue;
    }
    if (!option) {
      const closest = closestKey(key, Object.keys(options));
      problem(
        `${key} is not a flag of ${spec.command}${closest === undefined ? ` (cohort ${spec.command.replace(/^cohort /, '')} --help lists them)` : ` (did you mean ${closest}?)`}`,
      );
      continue;
    }
    if (seen.has(key)) {
      problem(`${setting.key} sets ${key}, which line ${seen.get(key)} sets already`);
      continue;
    }
    const twin = alternativesOf(spec, key).find((other) => other !== key && seen.has(other));
    if (twin !== undefined) {
      problem(`${key} and ${twin} (line ${seen.get(twin)}) are one setting given two ways: keep one`);
      continue;
    }
    seen.set(key, setting.line);
    if (isSecretFlag(key)) {
      problem(
        `${key}: a config file holds no secrets (anyone who may read it, or a copy of it, learns them); give ${key}-file, a file holding the secret alone, mode 600`,
      );
      continue;
    }
    const value = checkedValue(key, setting.value, option.type, (spec.objectFlags as readonly string[] | undefined)?.includes(key) === true, problem);
    if (value !== undefined) accepted.push({ key, value, line: setting.line });
  }
  if (problems.length > 0) {
    throw new UsageError(
      `--config ${file.path} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  return accepted;
}

/** A config file's value as the flag takes it (numbers as their text), or undefined after recording the problem. */
function checkedValue(key: string, value: unknown, type: 'string' | 'boolean', objectAllowed: boolean, problem: (message: string) => void): unknown {
  if (value === null) {
    problem(`${key} has no value: give one, or leave the key out`);
    return undefined;
  }
  if (type === 'boolean') {
    if (typeof value === 'boolean') return value;
    problem(`${key} must be true or false, got ${JSON.stringify(value)}`);
    return undefined;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (objectAllowed && typeof value === 'object' && !Array.isArray(value)) return value;
  problem(`${key} must be ${objectAllowed ? 'a string, a number or an object' : 'a string or a number'}, got ${JSON.stringify(value)}`);
  return undefined;
}

/** A URL's password, if it has one, as `***`. */
function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^@/]*@/i, '$1***@');
}

/**
 * One line per flag given (command line, then environment, then config file; defaults left out), each
 * with its source: what a command started with. Secrets are shown as `***`, a URL's password too.
 */
export function describeSettings(values: Record<string, unknown>, sources: Record<string, FlagSource>, objects: Record<string, unknown> = {}): string[] {
  const lines: string[] = [];
  for (const [flag, source] of Object.entries(sources)) {
    if (source.kind === 'default') continue;
    const raw = Object.hasOwn(objects, flag) ? '(inline)' : values[flag];
    const shown = isSecretFlag(flag) ? '***' : typeof raw === 'string' ? redactUrl(raw) : String(raw);
    const from = source.kind === 'flag' ? 'command line' : source.kind === 'env' ? source.variable : `${source.path} line ${source.line}`;
    lines.push(`  ${flag} ${shown}  (${from})`);
  }
  return lines;
}

/** What a command starts with, a heading and {@link describeSettings}' lines; none when everything came from the command line. */
export function settingsReport<O extends ParseArgsOptionsConfig>(parsed: SourcedFlags<O>): string[] {
  const { values, sources, objects, configPath } = parsed;
  if (configPath === undefined && !Object.values(sources).some((source) => source.kind === 'env')) return [];
  return [`settings${configPath === undefined ? '' : ` (config ${configPath})`}:`, ...describeSettings(values, sources, objects)];
}
