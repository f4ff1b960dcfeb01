import { describe, expect, it } from '@jest/globals';
import { runRound } from './test-fixtures.js';

// Secure aggregation at consortium scale, in memory: minutes of pure-JS key agreement, so these
// run in the slow lane (jest.config.js), and not under mutation testing; secagg.test.ts holds
// the same cases at ten clinics.

describe('the secure-aggregation protocol at scale (SecAggClient and SecAggServer, in memory)', () => {
  it('100 clinics, degree 20, 30% dropping after sending masked input: the unmasked sum equals the plaintext sum exactly', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
    const drop = new Map(ids.filter((_, i) => [0, 3, 7].includes(i % 10)).map((id) => [id, 'reveal' as const]));
    const { result, expected } = runRound({ n: 100, degree: 20, threshold: 11, words: 1001, drop });
    // Dropped after masking: their inputs are in the sum, their self masks reconstructed from the others' shares.
    expect(result.survivors).toHaveLength(100);
    expect(result.sum).toEqual(expected);
  });

  it('12 of 40 clinics dropping after sharing keys, before masked input: their pairwise masks come off from their reconstructed keys', () => {
    const ids = Array.from({ length: 40 }, (_, i) => `clinic-${String(i).padStart(3, '0')}`);
    const drop = new Map(ids.filter((_, i) => [0, 3, 7].includes(i % 10)).map((id) => [id, 'masked' as const]));
    const { result, expected } = runRound({ n: 40, degree: 12, threshold: 7, words: 257, drop });
    expect(result.survivors).toHaveLength(28);
    expect(result.dropped).toHaveLength(12);
    expect(result.sum).toEqual(expected);
    // Nothing else is left in the sum: it is not masked noise.
    expect(result.sum).not.toEqual(new Uint32Array(257));
  });
});
