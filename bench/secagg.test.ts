import { describe, expect, it } from '@jest/globals';
import { SEALED_SHARES_BYTES } from '../crypto/secagg/index.js';
import { checkUnmaskedSum, formatSecAggBench, runSecAggBench, type SecAggBenchReport } from './secagg.js';

// Facts only, no timing thresholds: how fast this machine is is the benchmark's output, not a test.
describe('SecAgg benchmark', () => {
  let report: SecAggBenchReport;

  it('measures a small round with dropouts: exact message sizes, a checked sum, every step timed', async () => {
    const progress: string[] = [];
    report = await runSecAggBench({ clinics: 8, params: 500, dropout: 0.25, repeats: 1, onProgress: (line) => progress.push(line) });
    expect(report).toMatchObject({
      clinics: 8,
      params: 500,
      dropout: 0.25,
      dropped: 2,
      survivors: 6,
      degree: 7,
      threshold: 4,
      clip: 8,
      max_total_weight: 8000,
      repeats: 1,
      node_version: process.version,
    });
    expect(progress).toHaveLength(2); // the warm-up and one timed round
    // Every clinic has 6 of the 7 others as neighbours: 2 dropouts always leave it 4, the threshold.
    expect(report.dropout_abort_fraction).toBe(0);
    expect(report.sum_checks).toBe(2);
    // Fixed-point rounding: at most half a step per clinic, over the scale times the total weight (>= 6 x 100).
    const scale = Math.floor((2 ** 31 - 1) / (8 * 8000));
    expect(report.max_abs_error).toBeLessThanOrEqual((0.5 * 6) / (scale * 600));

    // Bytes: the payloads are 4 bytes a parameter (the masked input has one more word, the weight), plus their headers.
    const b = report.clinic_bytes;
    expect(report.plaintext_update_bytes).toBeGreaterThan(4 * 500);
    expect(report.plaintext_update_bytes).toBeLessThan(4 * 500 + 200);
    expect(b.masked_input).toBeGreaterThan(4 * 501);
    expect(b.masked_input).toBeLessThan(4 * 501 + 200);
    expect(b.advert).toBeGreaterThan(4 * 32 + 64); // three keys or digests of 32 bytes, a signature, ids
    expect(b.share_keys).toBeGreaterThan(6 * (SEALED_SHARES_BYTES + 12)); // a sealed pair and nonce per neighbour
    expect(b.reveal).toBeGreaterThan(6 * (66 + 64)); // a share value and its signature per neighbour
    expect(b.stage_request).toBeGreaterThan(0);
    const sum = b.advert + b.share_keys + b.masked_input + b.stage_request + b.reveal;
    expect(report.clinic_sent_bytes_mean).toBeCloseTo(sum, 6);
    expect(report.clinic_sent_bytes_max).toBeGreaterThanOrEqual(report.clinic_sent_bytes_mean);
    expect(report.ratio_sent_to_plaintext_mean).toBeCloseTo(report.clinic_sent_bytes_mean / report.plaintext_update_bytes, 12);
    expect(report.ratio_sent_to_plaintext_max).toBeCloseTo(report.clinic_sent_bytes_max / report.plaintext_update_bytes, 12);
    expect(report.ratio_sent_to_plaintext_mean).toBeGreaterThan(1);
    expect(report.dropped_clinic_sent_bytes_mean).toBeGreaterThan(0);
    expect(report.dropped_clinic_sent_bytes_mean).toBeLessThan(b.advert + b.share_keys + 100);
    const c = report.coordinator_bytes;
    expect(c.neighbours).toBeGreaterThan(6 * (4 * 32 + 64)); // each neighbour's advert and signing key
    expect(c.share_delivery).toBeGreaterThan(6 * (SEALED_SHARES_BYTES + 12));
    expect(c.unmask).toBeGreaterThan(0);
    expect(report.coordinator_sent_bytes_mean).toBeCloseTo(c.neighbours + c.share_delivery + c.unmask, 6);
    expect(report.coordinator_sent_bytes_max).toBeGreaterThanOrEqual(report.coordinator_sent_bytes_mean);

    // Timings: present and consistent with one another, never compared with a threshold.
    const t = report.clinic_times;
    for (const x of [
      ...Object.values(t),
      ...Object.values(report.coordinator_times),
      report.clinic_s,
      report.dropped_clinic_s,
      report.coordinator_s,
      report.plaintext_encode_s,
      report.plaintext_aggregate_s,
    ]) {
      expect(x).toBeGreaterThan(0);
    }
    expect(report.clinic_s).toBeCloseTo(t.advert + t.share_keys + t.receive_shares + t.quantise + t.mask + t.reveal, 12);
    expect(report.coordinator_s).toBeCloseTo(
      Object.values(report.coordinator_times).reduce((n, x) => n + x, 0),
      12,
    );
    const secure = 6 * report.clinic_s + 2 * report.dropped_clinic_s + report.coordinator_s;
    expect(report.secure_round_s).toBeCloseTo(secure, 9);
    expect(report.plaintext_round_s).toBeCloseTo(6 * report.plaintext_encode_s + report.plaintext_aggregate_s, 12);
    expect(report.ratio_secure_to_plaintext_round).toBeCloseTo(report.secure_round_s / report.plaintext_round_s, 9);
  });

  it('formats the report as tables naming every message and party', () => {
    const text = formatSecAggBench(report);
    expect(text).toMatch(
      /^SecAgg\+ vs plaintext: 500 parameters, 8 clinics, 2 dropped after sharing keys \(dropout 0.25\), degree 7, threshold 4, median of 1 rounds/,
    );
    for (const row of [
      'compute only',
      'SecAggAdvert',
      'SecAggShareKeysRequest',
      'masked input (UploadUpdate, secagg-u32)',
      'SecAggReveal',
      'clinic sends, all of it',
      'coordinator sends the clinic',
      'clinic, one whole round',
      'coordinator, whole round',
      'reveals / unmask',
      'every clinic + coordinator',
      'in all 2 rounds',
    ]) {
      expect(text).toContain(row);
    }
    expect(text).toContain(`${report.ratio_sent_to_plaintext_mean.toFixed(3)}x`);
  });

  it('refuses a round whose unmasked sum or dropouts are not what the clinics sent', () => {
    const result = { sum: Uint32Array.from([1, 2, 3]), survivors: ['a', 'b'], dropped: ['c'] };
    expect(() => checkUnmaskedSum('s#1', result, Uint32Array.from([1, 2, 3]), new Set(['c']))).not.toThrow();
    expect(() => checkUnmaskedSum('s#1', result, Uint32Array.from([1, 2, 4]), new Set(['c']))).toThrow(
      "round s#1: the unmasked sum differs from the survivors' plain sum at word 2 (3 against 4): the round is broken",
    );
    expect(() => checkUnmaskedSum('s#1', result, Uint32Array.from([1, 2]), new Set(['c']))).toThrow("differs from the survivors' plain sum at word 2");
    expect(() => checkUnmaskedSum('s#1', result, Uint32Array.from([1, 2, 3]), new Set(['b']))).toThrow(
      'round s#1: the coordinator unmasked with 1 dropped clinics (c), expected 1 (b)',
    );
  });

  it('refuses a dropout every round would abort, and nonsense sizes', async () => {
    // Half of 8 clinics with all pairs joined (degree 7): some clinic always keeps fewer than 4 surviving neighbours.
    await expect(runSecAggBench({ clinics: 8, params: 10, dropout: 0.5 })).rejects.toThrow(
      'with 4 of 8 clinics dropping, none of 10000 random dropout sets leaves every clinic 4 surviving neighbours',
    );
    await expect(runSecAggBench({ clinics: 2 })).rejects.toThrow('clinics must be a whole number >= 3 (secure aggregation needs 3), got 2');
    await expect(runSecAggBench({ params: 0 })).rejects.toThrow('params must be a positive integer, got 0');
    await expect(runSecAggBench({ dropout: 1 })).rejects.toThrow('dropout must be a fraction in [0, 1), got 1');
    await expect(runSecAggBench({ repeats: 1.5 })).rejects.toThrow('repeats must be a positive integer, got 1.5');
  });
});
