import { describe, expect, it } from '@jest/globals';
import { formatLoadBench, runLoadBench } from './load.js';

// The acceptance run itself: 200 clinics at once through a full round. Facts only; how long it took
// and how much memory the coordinator needed are the benchmark's output (docs/benchmarks.md), not a test.
describe('load: 200 clinics connected at once', () => {
  it('completes the round with every update counted once and the exact weighted mean', async () => {
    const report = await runLoadBench({ clinics: 200 });
    expect(report).toMatchObject({ clinics: 200, parameters: 14, updates_counted: 200, round_outcome: 'closed with all 200 updates' });
    expect(report.max_abs_error).toBeLessThan(1e-6);
    expect(report.coordinator_peak_rss_mib).toBeGreaterThanOrEqual(report.coordinator_rss_idle_mib);
    expect(formatLoadBench(report)).toContain('200 of 200');
  }, 300_000);
});
