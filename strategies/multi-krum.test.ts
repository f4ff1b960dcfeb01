import { describe, expect, it } from '@jest/globals';
import { MULTI_KRUM, MultiKrum } from './multi-krum.js';

const update = (clinicId: string, numSamples: number, ...delta: number[]) => ({ clinicId, numSamples, delta: new Float32Array(delta) });
const ids = (updates: { clinicId: string }[]) => updates.map(({ clinicId }) => clinicId);

describe('multi-Krum', () => {
  const honest = [update('a', 1, 0, 0), update('b', 3, 1, 0), update('c', 1, 0, 2), update('d', 1, 1, 1)];

  it('scores each update by its n - f - 2 nearest squared distances and keeps the n - f best', () => {
    // n = 5, f = 1: two neighbours each. a: 1 + 2 (b, d); b: 1 + 1; c: 2 + 4; d: 1 + 2; h: 81 + 82.
    const kept = new MultiKrum(1, 0).selected([...honest, update('h', 1e9, 10, 0)]);
    expect(ids(kept)).toEqual(['b', 'a', 'd', 'c']);
    expect(ids(new MultiKrum(1, 2).selected([...honest, update('h', 1, 10, 0)]))).toEqual(['b', 'a']);
    expect(ids(new MultiKrum(1, 1).selected([...honest, update('h', 1, 10, 0)]))).toEqual(['b']);
  });

  it('uses at least one neighbour and keeps at least one update, never more than there are', () => {
    // n = 3, f = 1: one neighbour (n - f - 2 = 0 would score every update 0).
    expect(ids(new MultiKrum(1, 0).selected([update('a', 1, 0), update('b', 1, 5), update('c', 1, 1)]))).toEqual(['a', 'c']);
    expect(ids(new MultiKrum(3, 0).selected([update('a', 1, 0), update('b', 1, 5)]))).toEqual(['a']);
    expect(ids(new MultiKrum(0, 9).selected([update('a', 1, 0), update('b', 1, 5)]))).toEqual(['a', 'b']);
  });

  it('orders an update too large to measure last, and breaks ties by the round order', () => {
    const huge = update('h', 1, 3e38, -3e38);
    expect(ids(new MultiKrum(1, 0).selected([huge, ...honest]))).toEqual(['b', 'a', 'd', 'c']);
    expect(ids(new MultiKrum(0, 0).selected([update('x', 1, 1), update('y', 1, 1)]))).toEqual(['x', 'y']);
  });

  it('orders many clinics by score and their ties by the round order (past the sizes a sort handles by insertion)', () => {
    // 40 clinics: the even ones agree exactly (score 0 with f = 36: two nearest neighbours), the odd ones are spread out.
    const many = Array.from({ length: 40 }, (_, k) => update(`c${k}`, 1, k % 2 === 0 ? 0 : k * 10));
    expect(ids(new MultiKrum(36, 0).selected(many))).toEqual(['c0', 'c2', 'c4', 'c6']);
    const reversed = [...many].reverse();
    expect(ids(new MultiKrum(36, 0).selected(reversed))).toEqual(['c38', 'c36', 'c34', 'c32']);
  });

  it('steps by the sample-weighted mean of the kept updates', () => {
    const strategy = MULTI_KRUM.create({ name: 'multi-krum', keep: 2 });
    // b (3 samples, [1, 0]) and a (1 sample, [0, 0]) are kept: mean [0.75, 0].
    const { parameters } = strategy.aggregate([...honest, update('h', 2 ** 53 - 1, -1000, -1000)], new Float32Array([1, 1]), null);
    expect(Array.from(parameters)).toEqual([1.75, 1]);
  });

  it('guards against one hostile clinic by default; settings are whole numbers', () => {
    expect(MULTI_KRUM.defaults).toEqual({ name: 'multi-krum', byzantine: 1, keep: 0 });
    expect(() => MULTI_KRUM.parse({ byzantine: 1.5 })).toThrow('byzantine must be an integer >= 0, got 1.5');
    expect(() => MULTI_KRUM.parse({ keep: -1 })).toThrow('keep must be an integer >= 0, got -1');
    const strategy = MULTI_KRUM.create(MULTI_KRUM.defaults);
    expect(strategy.name).toBe('multi-krum');
    expect(strategy.needsIndividualUpdates).toBe(true);
  });
});
