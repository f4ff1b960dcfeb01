import { describe, expect, it } from '@jest/globals';
import { defaultDegree, degreeForDropout, neighbourGraph } from './neighbours.js';

const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));

/** P(X < t), X ~ Binomial(k, p), summed term by term from the binomial coefficients (the reference). */
function binomialBelow(k: number, p: number, t: number): number {
  let total = 0;
  let choose = 1;
  for (let j = 0; j < t; j++) {
    if (j > 0) choose = (choose * (k - j + 1)) / j;
    total += choose * p ** j * (1 - p) ** (k - j);
  }
  return total;
}

/** Whether degree k keeps every clinic above its threshold with the wanted probability. */
const enough = (n: number, k: number, dropout: number, failure: number) => n * binomialBelow(k, 1 - dropout, Math.floor(k / 2) + 1) <= failure;

describe('neighbour graph', () => {
  it('joins each clinic to degree/2 neighbours on each side of the circular order, nearest first', () => {
    const graph = neighbourGraph(letters(7), 4);
    expect(graph.get('c')).toEqual(['d', 'b', 'e', 'a']);
    expect(graph.get('a')).toEqual(['b', 'g', 'c', 'f']);
    expect(graph.get('g')).toEqual(['a', 'f', 'b', 'e']);
    expect([...graph.keys()]).toEqual(letters(7));
    expect(neighbourGraph(letters(10), 2).get('j')).toEqual(['a', 'i']);
  });

  it('joins every pair once the degree reaches n - 1, whatever its parity', () => {
    expect(neighbourGraph(letters(5), 4).get('c')).toEqual(['a', 'b', 'd', 'e']);
    expect(neighbourGraph(letters(4), 3).get('b')).toEqual(['a', 'c', 'd']);
    expect(neighbourGraph(letters(4), 99).get('d')).toEqual(['a', 'b', 'c']);
    expect(neighbourGraph(letters(3), 2).get('a')).toEqual(['b', 'c']);
    expect(neighbourGraph(['solo'], 0).get('solo')).toEqual([]);
    expect(neighbourGraph([], 2).size).toBe(0);
  });

  it('refuses a degree below n - 1 that is odd, fractional or under 2, and a repeated clinic', () => {
    for (const degree of [0, 1, 3, 2.5, -2, NaN]) {
      expect(() => neighbourGraph(letters(10), degree)).toThrow(
        new RangeError(`the neighbour degree must be an even whole number >= 2 (or at least n - 1 for all pairs), got ${degree}`),
      );
    }
    expect(() => neighbourGraph(['a', 'b', 'a'], 2)).toThrow(new RangeError('a clinic appears twice in the order'));
  });
});

describe('neighbour degree', () => {
  it('SecAgg+ default: 2·ceil(log2 n), or every pair when that covers everyone', () => {
    const expected: [number, number][] = [
      [1, 0],
      [2, 1],
      [3, 2],
      [8, 6],
      [9, 8],
      [10, 8],
      [16, 8],
      [17, 10],
      [100, 14],
      [1000, 20],
    ];
    for (const [n, degree] of expected) expect({ n, degree: defaultDegree(n) }).toEqual({ n, degree });
  });

  it.each([
    [300, 0.3, 1e-6],
    [1000, 0.1, 1e-6],
    [200, 0.05, 1e-3],
    [5000, 0.2, 1e-9],
  ])('for %p clinics at dropout %p: the smallest even degree from the default up that meets failure probability %p', (n, dropout, failure) => {
    const k = degreeForDropout(n, dropout, failure);
    expect(k % 2).toBe(0);
    expect(k).toBeGreaterThanOrEqual(defaultDegree(n));
    expect(k).toBeLessThan(n - 1);
    expect(enough(n, k, dropout, failure)).toBe(true);
    if (k > defaultDegree(n)) expect(enough(n, k - 2, dropout, failure)).toBe(false);
  });

  it('falls back to every pair when no smaller degree will do, and keeps the default without dropout', () => {
    expect(degreeForDropout(100, 0.3)).toBe(99);
    expect(degreeForDropout(30, 0.5)).toBe(29);
    expect(degreeForDropout(1000, 0)).toBe(20);
    expect(degreeForDropout(5, 0.9)).toBe(4);
    // The failure probability defaults to 1e-6.
    expect(degreeForDropout(1000, 0.1)).toBe(degreeForDropout(1000, 0.1, 1e-6));
    expect(degreeForDropout(1000, 0.1, 1e-2)).toBeLessThan(degreeForDropout(1000, 0.1));
  });

  it('never answers more than every pair, whether the number of clinics is even or odd', () => {
    for (let n = 3; n <= 40; n++)
      for (const dropout of [0.05, 0.2, 0.4])
        for (const failure of [1e-1, 1e-3, 1e-6]) {
          const k = degreeForDropout(n, dropout, failure);
          expect({ n, dropout, failure, withinPairs: k <= n - 1, fromDefault: k >= defaultDegree(n) }).toEqual({
            n,
            dropout,
            failure,
            withinPairs: true,
            fromDefault: true,
          });
        }
    // Ten clinics at 5% dropout: degree 8 falls short of 1e-3, and the next even degree (10) is past every pair.
    expect(degreeForDropout(10, 0.05, 1e-3)).toBe(9);
  });

  it('meets a failure probability of exactly 0 at the default degree when no clinic drops', () => {
    expect(degreeForDropout(1000, 0, 0)).toBe(20);
    expect(degreeForDropout(100, 0, 0)).toBe(14);
  });

  it('refuses a dropout rate outside [0, 1)', () => {
    for (const dropout of [-0.1, 1, 1.5, NaN])
      expect(() => degreeForDropout(10, dropout)).toThrow(new RangeError(`the dropout rate must be in [0, 1), got ${dropout}`));
  });
});
