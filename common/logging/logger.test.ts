import { describe, expect, it } from '@jest/globals';
import { createLogger, defaultLogFormat, federationFields, logFormatOf, logLevelOf, logMessages } from './logger.js';
import { prettyLine } from './pretty.js';

const STUDY = '0f8c2a4e-1b2c-4d3e-8f90-123456789abc';

function capture(format: 'json' | 'pretty', level?: 'debug' | 'warn') {
  const lines: string[] = [];
  const logger = createLogger({ format, ...(level && { level }), destination: { write: (line: string) => lines.push(line) } });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object a line with an ISO timestamp, the level name and the fields', () => {
    const { logger, lines } = capture('json');
    logger.info({ studyId: STUDY, round: 2 }, 'round 2 opened');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      studyId: STUDY,
      round: 2,
      msg: 'round 2 opened',
    });
  });

  it('writes human lines in the pretty format, fields after the message', () => {
    const { logger, lines } = capture('pretty');
    logger.child({ context: 'Coordinator' }).warn({ peer: '10.0.0.9' }, 'refused');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN {2}\[Coordinator\] refused {2}peer=10\.0\.0\.9\n$/);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = capture('json', 'warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['loud']);
  });

  it('is JSON unless the stream is a terminal', () => {
    expect(defaultLogFormat({ isTTY: true })).toBe('pretty');
    expect(defaultLogFormat({ isTTY: false })).toBe('json');
    expect(defaultLogFormat({})).toBe('json');
  });
});

describe('flag values', () => {
  it('refuses an unknown format or level, naming the choices', () => {
    expect(logFormatOf('json')).toBe('json');
    expect(() => logFormatOf('text')).toThrow('--log-format must be json or pretty, got "text"');
    expect(logLevelOf('debug')).toBe('debug');
    expect(() => logLevelOf('verbose')).toThrow('--log-level must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"');
  });
});

describe('federationFields', () => {
  it('lifts the study and round a federation message names', () => {
    expect(federationFields(`study ${STUDY} round 3/5 opened for 4 clinics`)).toEqual({ studyId: STUDY, round: 3 });
    expect(federationFields(`round ${STUDY}#2: secure aggregation aborted`)).toEqual({ studyId: STUDY, round: 2 });
    expect(federationFields(`resuming study ${STUDY}: no round is open`)).toEqual({ studyId: STUDY });
    expect(federationFields('clinic cleveland enrolled')).toEqual({});
  });
});

describe('logMessages', () => {
  it("gives JSON lines' messages and other lines as they are", () => {
    expect(logMessages(`{"level":"info","msg":"coordinator: gRPC a:1"}\nplain line\n{"not":"a log"}`)).toBe(
      'coordinator: gRPC a:1\nplain line\n{"not":"a log"}',
    );
  });
});

describe('prettyLine', () => {
  it('passes a line that is not JSON through', () => {
    expect(prettyLine('not json\n')).toBe('not json\n');
  });
});
