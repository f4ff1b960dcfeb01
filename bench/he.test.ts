import { describe, expect, it } from '@jest/globals';
import { formatHeBench, runHeBench, type HeBenchReport } from './he.js';

// Facts only, no timing thresholds: how fast this machine is is the benchmark's output, not a test.
describe('HE benchmark', () => {
  let report: HeBenchReport;

  it('measures a small round: exact sizes, a mean as precise as CKKS promises, every step timed', async () => {
    report = await runHeBench({ params: 5000, clinics: 3, repeats: 1 });
    expect(report).toMatchObject({ parameter_set: 'n8192-q60-s40', params: 5000, clinics: 3, repeats: 1, node_version: process.version });
    // 5000 parameters and the weight slot take two ciphertexts of 4096 slots.
    expect(report.update_bytes).toBe(2 * 65730);
    expect(report.aggregate_bytes).toBe(2 * 131185);
    expect(report.plaintext_update_bytes).toBe(20000);
    expect(report.bytes_per_parameter).toBe((2 * 65730) / 5000);
    expect(report.bytes_per_parameter).toBeLessThan(27); // 5000 fills 61% of two ciphertexts; full ones give about 16
    expect(report.plaintext_bytes_per_parameter).toBe(4);
    expect(report.max_abs_error).toBeLessThan(1e-6);
    expect(report.max_abs_error).toBeGreaterThan(0);
    expect(report.plaintext_max_abs_error).toBeLessThan(1e-7);
    const timings = [
      'clinic_encrypt_s',
      'coordinator_aggregate_s_per_clinic',
      'coordinator_save_s',
      'clinic_decrypt_s',
      'plaintext_encode_s',
      'plaintext_aggregate_s',
      'plaintext_save_s',
      'plaintext_decode_s',
      'encrypted_round_s',
      'plaintext_round_s',
    ] as const;
    for (const name of timings) expect(report[name]).toBeGreaterThan(0);
    expect(report.encrypt_params_per_s).toBeCloseTo(5000 / report.clinic_encrypt_s, 6);
    const encrypted = 3 * report.clinic_encrypt_s + 3 * report.coordinator_aggregate_s_per_clinic + report.coordinator_save_s + report.clinic_decrypt_s;
    expect(report.encrypted_round_s).toBeCloseTo(encrypted, 12);
    expect(report.ratio_encrypted_to_plaintext_round).toBeCloseTo(report.encrypted_round_s / report.plaintext_round_s, 9);
  });

  it('near 16 bytes a parameter once ciphertexts are full', async () => {
    const full = await runHeBench({ params: 4095, clinics: 1, repeats: 1 });
    expect(full.bytes_per_parameter).toBeLessThan(16.1);
  });

  it('formats the report as a table naming every row', () => {
    const text = formatHeBench(report);
    expect(text).toMatch(/^CKKS n8192-q60-s40 vs plaintext: 5,000 parameters, 3 clinics, median of 1 rounds/);
    for (const row of [
      'bytes per parameter',
      'update bytes',
      'aggregate bytes',
      'clinic: encode one update',
      'coordinator: per update',
      'clinic: read result',
      'round (serial, one core)',
      'max abs error',
    ]) {
      expect(text).toContain(row);
    }
    expect(text).toContain('131,460'); // update bytes
  });

  it('refuses nonsense sizes before touching SEAL', async () => {
    await expect(runHeBench({ params: 0, clinics: 3 })).rejects.toThrow('params must be a positive integer, got 0');
    await expect(runHeBench({ params: 10, clinics: 1.5 })).rejects.toThrow('clinics must be a positive integer, got 1.5');
    await expect(runHeBench({ params: 10, clinics: 1, repeats: 0 })).rejects.toThrow('repeats must be a positive integer, got 0');
  });
});
