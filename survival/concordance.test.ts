import { describe, expect, it } from '@jest/globals';
import { addConcordance, concordanceCounts, concordanceIndex } from './concordance.js';

describe('concordance', () => {
  it('is 1 when risk orders the events, 0 when reversed', () => {
    const time = [1, 2, 3, 4];
    const event = [1, 1, 1, 1];
    expect(concordanceIndex(concordanceCounts(time, event, [4, 3, 2, 1]))).toBe(1);
    expect(concordanceIndex(concordanceCounts(time, event, [1, 2, 3, 4]))).toBe(0);
    expect(concordanceCounts(time, event, [4, 3, 2, 1])).toEqual({ concordant: 6, discordant: 0, tiedRisk: 0 });
  });

  it('compares a censored patient only with events before its follow-up ended', () => {
    // 0 censored at 1: no pair starts with it. 1 (event at 2) against 2 (censored at 2, outlived it) and 3.
    const counts = concordanceCounts([1, 2, 2, 5], [0, 1, 0, 1], [9, 5, 1, 7]);
    expect(counts).toEqual({ concordant: 1, discordant: 1, tiedRisk: 0 });
  });

  it('counts tied risks as half and leaves two events at the same time out', () => {
    const counts = concordanceCounts([1, 1, 3], [1, 1, 0], [2, 2, 2]);
    expect(counts).toEqual({ concordant: 0, discordant: 0, tiedRisk: 2 });
    expect(concordanceIndex(counts)).toBe(0.5);
  });

  it('adds counts across strata before dividing, and is NaN without a comparable pair', () => {
    expect(addConcordance({ concordant: 1, discordant: 2, tiedRisk: 3 }, { concordant: 4, discordant: 5, tiedRisk: 6 })).toEqual({
      concordant: 5,
      discordant: 7,
      tiedRisk: 9,
    });
    const a = concordanceCounts([1, 2], [1, 0], [1, 0]);
    const b = concordanceCounts([1, 2, 3], [1, 1, 0], [0, 1, 2]);
    expect(concordanceIndex(addConcordance(a, b))).toBeCloseTo(1 / 4, 12);
    expect(concordanceIndex(concordanceCounts([1, 2], [0, 0], [1, 2]))).toBeNaN();
  });
});
