import { describe, expect, it } from '@jest/globals';
import { DECAY_RATE, NON_NEGATIVE, parseSettings, POSITIVE, POSITIVE_INTEGER, StrategyConfigError } from './settings.js';

const SPECS = {
  rate: { summary: 'a rate', default: 0.5, range: POSITIVE },
  decay: { summary: 'a decay', default: 0.9, range: DECAY_RATE },
  mu: { summary: 'a weight', default: 0, range: NON_NEGATIVE },
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseSettings('demo', SPECS, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(StrategyConfigError);
    expect((error as Error).message).toBe(`invalid strategy: ${(error as StrategyConfigError).problems.join('; ')}`);
    expect((error as Error).name).toBe('StrategyConfigError');
    return (error as StrategyConfigError).problems;
  }
  return [];
}

describe('strategy settings', () => {
  it('fills every setting left out with its default, ignoring the name', () => {
    expect(parseSettings('demo', SPECS, {})).toEqual({ rate: 0.5, decay: 0.9, mu: 0 });
    expect(parseSettings('demo', SPECS, { name: 'demo', decay: 0.5 })).toEqual({ rate: 0.5, decay: 0.5, mu: 0 });
    // JSON's way of leaving a field unset.
    expect(parseSettings('demo', SPECS, { rate: null })).toEqual({ rate: 0.5, decay: 0.9, mu: 0 });
  });

  it('accepts each range up to its bounds', () => {
    expect(parseSettings('demo', SPECS, { rate: Number.MIN_VALUE, decay: 0, mu: 0 })).toEqual({ rate: Number.MIN_VALUE, decay: 0, mu: 0 });
    expect(parseSettings('demo', SPECS, { decay: 0.999999, mu: 3 })).toEqual({ rate: 0.5, decay: 0.999999, mu: 3 });
  });

  it('names each value out of range, with the range', () => {
    expect(problems({ rate: 0 })).toEqual(['rate must be a number > 0, got 0']);
    expect(problems({ decay: 1 })).toEqual(['decay must be a number in [0, 1), got 1']);
    expect(problems({ decay: -0.001 })).toEqual(['decay must be a number in [0, 1), got -0.001']);
    expect(problems({ mu: -1e-12 })).toEqual(['mu must be a number >= 0, got -1e-12']);
  });

  it('names values that are not finite numbers', () => {
    expect(problems({ rate: '0.1', decay: Infinity, mu: [1] })).toEqual([
      'rate must be a number > 0, got "0.1"',
      'decay must be a number in [0, 1), got Infinity',
      'mu must be a number >= 0, got [1]',
    ]);
    expect(problems({ rate: NaN })).toEqual(['rate must be a number > 0, got NaN']);
    expect(problems({ rate: -Infinity })).toEqual(['rate must be a number > 0, got -Infinity']);
  });

  it('names unknown fields with the settings the strategy has, and lists every problem at once', () => {
    expect(problems({ beta3: 1, rate: -1 })).toEqual(['beta3 is not a setting of demo (its settings: rate, decay, mu)', 'rate must be a number > 0, got -1']);
    expect(() => parseSettings('plain', {}, { rate: 1 })).toThrow('rate is not a setting of plain (its settings: none)');
    expect(parseSettings('plain', {}, { name: 'plain' })).toEqual({});
  });

  it('describes its ranges', () => {
    expect([POSITIVE.text, NON_NEGATIVE.text, DECAY_RATE.text, POSITIVE_INTEGER.text]).toEqual([
      'a number > 0',
      'a number >= 0',
      'a number in [0, 1)',
      'an integer >= 1',
    ]);
  });
});
