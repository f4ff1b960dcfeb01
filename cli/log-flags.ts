/** `--log-format` and `--log-level` of the long-running commands (coordinator, node). */
import { createLogger, LOG_FORMATS, LOG_LEVELS, logFormatOf, logLevelOf, type Logger } from '../common/logging/logger.js';
import { UsageError } from './flags.js';

export const LOG_FLAGS = {
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export const LOG_USAGE = `[--log-format ${LOG_FORMATS.join('|')} (default: json unless stdout is a terminal)] [--log-level ${LOG_LEVELS.filter((l) => l !== 'trace').join('|')} (default info)]`;

/** The logger the flags ask for, on stdout. */
export function loggerFromFlags(values: { 'log-format'?: string; 'log-level'?: string }): Logger {
  try {
    return createLogger({
      ...(values['log-format'] !== undefined && { format: logFormatOf(values['log-format']) }),
      ...(values['log-level'] !== undefined && { level: logLevelOf(values['log-level']) }),
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
