/**
 * Nest's LoggerService over pino: what the coordinator's services log through Nest's `Logger`
 * (`new Logger('RoundRunner').log(...)`) becomes one pino line with `context`, the study and round
 * the message names (`studyId`, `round`) and, inside an HTTP request, its `requestId`. Nest's own
 * start-up chatter (modules loaded, routes mapped) is logged at debug.
 */
import type { LoggerService, LogLevel } from '@nestjs/common';
import { federationFields, type Logger } from '../../common/logging/logger.js';
import { currentRequestId } from './request-context.js';

/** Contexts of Nest itself whose `log` lines are start-up detail, not operations. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice', 'ServerGrpc']);

type PinoLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

const NEST_TO_PINO: Record<LogLevel, PinoLevel> = { verbose: 'trace', debug: 'debug', log: 'info', warn: 'warn', error: 'error', fatal: 'fatal' };

export class PinoNestLogger implements LoggerService {
  private enabled: Set<LogLevel>;

  constructor(
    private readonly logger: Logger,
    /** Nest levels written (CoordinatorOptions.logLevels); pino's own level filters further. */
    levels: LogLevel[] = ['log', 'warn', 'error', 'fatal'],
  ) {
    this.enabled = new Set(levels);
  }

  setLogLevels(levels: LogLevel[]): void {
    this.enabled = new Set(levels);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    // Nest's Logger passes the context last; an error's stack comes before it.
    const context = params.length > 0 && typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' || level === 'fatal' ? params.find((p): p is string => typeof p === 'string') : undefined;
    const framework = level === 'log' && context !== undefined && FRAMEWORK_CONTEXTS.has(context);
    if (!this.enabled.has(level)) return;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    const requestId = currentRequestId();
    const fields = {
      ...(context !== undefined && { context }),
      ...federationFields(text),
      ...(requestId !== undefined && { requestId }),
      ...(message instanceof Error && { err: message }),
      ...(stack !== undefined && { stack }),
    };
    this.logger[framework ? 'debug' : NEST_TO_PINO[level]](fields, text);
  }
}
