import { describe, expect, it } from '@jest/globals';
import { alignColumns, formatCount, formatSeconds } from './report-format.js';

describe('report formatting', () => {
  it('aligns labels left and figures right, two spaces apart, with no trailing blanks', () => {
    expect(
      alignColumns([
        ['', 'CKKS', 'plain'],
        ['update bytes', '131,460', '20,000'],
        ['  per second', '5', ''],
      ]),
    ).toEqual(['                 CKKS   plain', 'update bytes  131,460  20,000', '  per second        5']);
  });

  it('counts with thousands separators and at most two decimals', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0.125)).toBe('0.13');
    expect(formatCount(3)).toBe('3');
  });

  it('shows a duration in seconds from 1 s, in milliseconds from 1 ms, else in microseconds', () => {
    expect(formatSeconds(1)).toBe('1.000 s');
    expect(formatSeconds(12.3456)).toBe('12.346 s');
    expect(formatSeconds(0.999)).toBe('999.00 ms');
    expect(formatSeconds(1e-3)).toBe('1.00 ms');
    expect(formatSeconds(0.000999)).toBe('999.0 µs');
    expect(formatSeconds(5e-6)).toBe('5.0 µs');
  });
});
