import { describe, expect, it } from '@jest/globals';
import { DAY_MS, durationProblem, durationProblems, HOUR_MS, MAX_TIMER_MS, milliseconds, seconds, spelledDuration } from './durations.js';

describe('duration bounds', () => {
  it('spell a bound as a person reads it', () => {
    expect(spelledDuration(7 * DAY_MS)).toBe('7 days');
    expect(spelledDuration(DAY_MS)).toBe('1 day');
    expect(spelledDuration(6 * HOUR_MS)).toBe('6 hours');
    expect(spelledDuration(90 * 60_000)).toBe('90 minutes');
    expect(spelledDuration(1500)).toBe('1.5 s');
    expect(spelledDuration(200)).toBe('200 ms');
  });

  it('accept the ends of the range and refuse what lies outside, or is no number', () => {
    const bounds = milliseconds(0, DAY_MS);
    expect(durationProblem('shutdownGraceMs', 0, bounds)).toBeNull();
    expect(durationProblem('shutdownGraceMs', DAY_MS, bounds)).toBeNull();
    expect(durationProblem('shutdownGraceMs', DAY_MS + 1, bounds)).toBe(
      'shutdownGraceMs must be a number of milliseconds from 0 to 86400000 (1 day), got 86400001',
    );
    expect(durationProblem('shutdownGraceMs', -1, bounds)).toContain('got -1');
    expect(durationProblem('shutdownGraceMs', Number.NaN, bounds)).toContain('got null');
    expect(durationProblem('shutdownGraceMs', Infinity, bounds)).not.toBeNull();
    expect(durationProblem('roundTimeoutS', 30, seconds(1, 60))).toBeNull();
    expect(durationProblem('roundTimeoutS', 61, seconds(1, 60))).toBe('roundTimeoutS must be a number of seconds from 1 to 60 (1 minute), got 61');
  });

  it('list the problems of the settings given, leaving absent ones to their defaults', () => {
    const bounds = { a: milliseconds(0, 10), b: milliseconds(0, 10), c: milliseconds(0, 10) };
    expect(durationProblems({ a: 11, c: 5 }, bounds)).toEqual(['a must be a number of milliseconds from 0 to 10 (10 ms), got 11']);
    expect(durationProblems({}, bounds)).toEqual([]);
  });

  it('stay under the largest delay setTimeout honours', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
    expect(7 * DAY_MS).toBeLessThan(MAX_TIMER_MS);
  });
});
