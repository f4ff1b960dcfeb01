/**
 * A command's config file (`--config FILE`): YAML, or JSON (which YAML reads as it is), holding one
 * mapping of the command's flag names to their values. Reading it fails with the file's name and, where
 * the parser knows it, the line and column; each setting keeps the line it was written on, for messages.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { UsageError } from './flags.js';

/** One `key: value` of a config file, with the line it is on. */
export interface ConfigSetting {
  key: string;
  value: unknown;
  line: number;
}

export interface ConfigFile {
  path: string;
  settings: ConfigSetting[];
}

/**
 * Reads and parses `path`; a UsageError naming the file when it cannot be read, does not parse (with
 * the line and column of each error), repeats a key, or is anything but a non-empty mapping.
 */
export function readConfigFile(path: string): ConfigFile {
  const text = readText(path, '--config');
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const at = error.linePos?.[0];
      return `${at ? `line ${at.line}, column ${at.col}: ` : ''}${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new UsageError(`--config ${path} is not valid YAML or JSON:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const contents = document.contents;
  if (contents === null) throw new UsageError(`--config ${path} is empty: it holds flag names and their values, e.g. "grpc-port: 50051"`);
  if (!isMap(contents))
    throw new UsageError(`--config ${path} must be a mapping of flag names to values (e.g. "grpc-port: 50051"), not a list or a single value`);
  const values = document.toJS() as Record<string, unknown>;
  const settings = contents.items.map((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
    return { key, value: values[key] ?? null, line: offset === undefined ? 0 : lines.linePos(offset).line };
  });
  return { path, settings };
}

/**
 * A JSON file given to `flag` (a study definition), parsed; a UsageError naming the flag and the file
 * when it cannot be read or is not JSON, with the line and column where the parser says where.
 */
export function readJsonFile(path: string, flag: string): unknown {
  const text = readText(path, flag);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      where = ` (line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')})`;
    }
    throw new UsageError(`${flag} ${path} is not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}${where}`);
  }
}

/** The text of the file `flag` names, or a UsageError naming the flag, the file and why it cannot be read. */
function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'not readable by this user'
          : code === 'EISDIR'
            ? 'a directory, not a file'
            : (error as Error).message;
    throw new UsageError(`${flag} ${path}: ${why}`);
  }
}
