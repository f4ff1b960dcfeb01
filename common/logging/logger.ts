/**
 * The one logger of the long-running roles (coordinator, node): pino, one JSON object a line when
 * stdout is not a terminal (files, pipes, container logs), a short human line on a terminal. Every
 * line has an ISO-8601 timestamp (`time`) and a level; federation lines carry `studyId` and `round`.
 *
 * ```ts
 * const logger = createLogger({ format: 'json', level: 'info' });
 * logger.info({ studyId, round: 2 }, 'round 2 opened');
 * ```
 */
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import { prettyLine } from './pretty.js';

export type { Logger } from 'pino';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** pino's levels, quietest last; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  /** `json` (one object a line) or `pretty` (time, level, message, fields). Default: pretty on a terminal, json otherwise. */
  format?: LogFormat;
  /** The least severe level written. Default `info`. */
  level?: LogLevelName;
  /** Where lines go. Default: process.stdout (synchronous for files and pipes on Linux, so nothing is lost at exit). */
  destination?: { write(line: string): unknown };
}

/** The format a stream gets by default: human lines on a terminal, JSON everywhere else. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/** A logger as `options` say; no worker threads (pino transports are not used), so the process exits as soon as it is done. */
export function createLogger(options: LogOptions = {}): Logger {
  const format = options.format ?? defaultLogFormat();
  const out = options.destination ?? process.stdout;
  const destination: DestinationStream = format === 'json' ? { write: (line) => void out.write(line) } : { write: (line) => void out.write(prettyLine(line)) };
  return pino(
    { level: options.level ?? 'info', timestamp: stdTimeFunctions.isoTime, base: undefined, formatters: { level: (label) => ({ level: label }) } },
    destination,
  );
}

/** Checks a `--log-format` value. */
export function logFormatOf(value: string, flag = '--log-format'): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
  throw new RangeError(`${flag} must be ${LOG_FORMATS.join(' or ')}, got "${value}"`);
}

/** Checks a `--log-level` value. */
export function logLevelOf(value: string, flag = '--log-level'): LogLevelName {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevelName;
  throw new RangeError(`${flag} must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
}

const STUDY = /\bstudy ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/;
const ROUND = /\bround (?:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})#)?(\d+)\b/;

/**
 * The study and round a federation message names (`study <id> round 3 ...`, `round <id>#3 ...`),
 * as fields, so every federation line can be filtered by study without parsing its text.
 */
export function federationFields(message: string): { studyId?: string; round?: number } {
  const fields: { studyId?: string; round?: number } = {};
  const round = ROUND.exec(message);
  const studyId = STUDY.exec(message)?.[1] ?? round?.[1];
  if (studyId) fields.studyId = studyId;
  if (round) fields.round = Number(round[2]);
  return fields;
}

/** The messages of log output, one a line: a JSON line's `msg`, any other line as it is (what tests and scripts match on). */
export function logMessages(output: string): string {
  return output
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        const msg = (JSON.parse(line) as { msg?: unknown }).msg;
        return typeof msg === 'string' ? msg : line;
      } catch {
        return line;
      }
    })
    .join('\n');
}
